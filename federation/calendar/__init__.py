"""Calendars and places: a month view of a commune's and a person's meetings, votes'
closing dates and roster shifts; every iCalendar feed through one helper
(:mod:`federation.calendar.ical`, RFC 5545 through the ``icalendar`` package); the
commune's places and located concerns on an optional map (Leaflet, tiles from a configured
server, a list when tiles are unreachable or scripts are off)."""
