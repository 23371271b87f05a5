"""Deterministic demo sources: a CRM database and a helpdesk CSV feed, calibrated to the design.

``generate`` writes 2019-01-01 .. 2022-01-31 from scratch; ``advance`` plays the sources
forward by whole days. See README.md in this folder and docs/sources.md for the contract.
"""

from crm_warehouse.demo.advance import advance
from crm_warehouse.demo.calibration import CALIBRATION, Calibration
from crm_warehouse.demo.generate import generate
from crm_warehouse.demo.summary import DemoSummary

__all__ = ["CALIBRATION", "Calibration", "DemoSummary", "advance", "generate"]
