"""Workshops and training sessions: registration, waiting list, attendance, material."""
