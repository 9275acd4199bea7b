"""The weekly newsletter: build (select items), render (Jinja2), deliver (SMTP or outbox)."""
