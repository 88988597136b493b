"""Measured pressures: read them, compare predictions with them, calibrate fabrics to them.

- :func:`read_measurements`: a lab's table (HOSY or MST on wooden legs, PicoPress or Kikuhime
  on people, sensors on cylinders) from CSV or Excel;
- :func:`agreement`: Bland-Altman statistics of predicted versus measured pressure;
- :func:`calibrate`: least-squares fit of a fabric's course curve to the readings, with
  confidence intervals and a leave-one-out check;
- :func:`pressure_uncertainty`: a result's pressure band from the fabric fit's covariance and
  the girth and relaxed-girth tolerances (Monte Carlo).
"""

from stockingsim.calibration._agreement import Agreement, agreement, agreement_stats
from stockingsim.calibration._calibrate import CALIBRATION_METHODS, CalibrationReport, calibrate
from stockingsim.calibration._measurements import (
    MEASUREMENT_COLUMNS,
    as_measurements,
    read_measurements,
)
from stockingsim.calibration._uncertainty import pressure_uncertainty

__all__ = [
    "read_measurements",
    "as_measurements",
    "MEASUREMENT_COLUMNS",
    "agreement",
    "agreement_stats",
    "Agreement",
    "calibrate",
    "CalibrationReport",
    "CALIBRATION_METHODS",
    "pressure_uncertainty",
]
