"""Sessions: relationships and circles, agreements, meetings, logs, action plans, messages."""
