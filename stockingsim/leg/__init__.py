"""Leg geometry: loading, frame, cross-sections, landmarks, curvature and parametric legs."""

from stockingsim.leg._curvature import VertexCurvature, vertex_curvature
from stockingsim.leg._files import bundled_leg, load_leg
from stockingsim.leg._frame import LegFrame
from stockingsim.leg._landmarks import LANDMARK_NAMES, Landmark
from stockingsim.leg._parametric import parametric_leg
from stockingsim.leg._sections import Section
from stockingsim.leg._surface import Leg

__all__ = [
    "Leg",
    "Landmark",
    "Section",
    "LegFrame",
    "LANDMARK_NAMES",
    "load_leg",
    "bundled_leg",
    "parametric_leg",
    "VertexCurvature",
    "vertex_curvature",
]
