"""Mentor profiles, weekly availability and overrides, bookings, session notes and feedback."""
