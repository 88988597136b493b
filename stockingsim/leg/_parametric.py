"""Parametric legs (placeholder until the parametric module lands)."""


def parametric_leg(chart, **kwargs):
    raise NotImplementedError("parametric_leg is being written")
