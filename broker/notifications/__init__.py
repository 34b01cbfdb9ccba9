"""Notifications: what happened, for whom, written in the event's own transaction and delivered in
the app and by email (with retries), as each person prefers."""
