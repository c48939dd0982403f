"""The site side's organisation: institution, site, rooms, cameras, exam sessions and rosters."""
