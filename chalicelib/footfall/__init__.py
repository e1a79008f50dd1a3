"""Footfall: counting sensors per zone, hourly counts without double counting, stats for city marketing."""
