"""Calendar knowledge shared by guard, dedupe, publish and status.

``vevent`` converts Event records to icalendar VEVENTs (and holds the instant codec for
now); ``expand`` is the one bounded series expander.
"""
