"""examsite: exam-room surveillance and violation evidence for vocational skills assessment.

The core (everything here but :mod:`examsite.gui`) is free of Qt and holds every rule of the
Hubei 2025 regulation, every byte of evidence and the command line.
"""

__version__ = "0.1.0"
