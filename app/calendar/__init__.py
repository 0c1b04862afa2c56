"""iCalendar building (single event, invitation, cancellation, subscription feed) and feed tokens.

Mentoring and workshops both build their calendars here.
"""
