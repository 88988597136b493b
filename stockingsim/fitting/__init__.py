"""Fitting a patient: a product's size chart, a size from RAL measurements, made-to-measure orders.

A fitter measures the leg (RAL measuring sheet: girths cB, cB1, cC, cD, ... and their heights
from the floor, in cm), looks the girths up in the product's ready-to-wear size chart and orders
that size, or a made-to-measure stocking when no size fits. :func:`fit_patient` does the same
and predicts the pressure the chosen size gives on a leg built from the measurements (or on a
scan), with the class and gradient verdict.
"""

from stockingsim.fitting._chart import SizeChart
from stockingsim.fitting._fit import (
    EDGE_CM,
    FitResult,
    OrderForm,
    SizeOption,
    fit_patient,
    fits_table,
)
from stockingsim.fitting._measure import (
    check_measurements,
    leg_from_measurements,
    measurements_from_leg,
)
from stockingsim.fitting._report import fitting_report

__all__ = [
    "SizeChart",
    "FitResult",
    "SizeOption",
    "OrderForm",
    "fit_patient",
    "fits_table",
    "fitting_report",
    "measurements_from_leg",
    "leg_from_measurements",
    "check_measurements",
    "EDGE_CM",
]
