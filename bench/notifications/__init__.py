"""bench/notifications: the network's events out to people and partners' systems, beside raw
sends to the same servers.

Starts the registry and the notifications service as uvicorn processes (fresh prefixes), an
organisation whose admin signs in through its own provider and registers three webhook
endpoints at a receiver started here (two answer at once, one takes `--slow` seconds, all the
time), and puts every mentor's contact details on the registry's contacts topic as the
registry's outbox does. Then `match.accepted` events go onto the matching service's topic
through the outbox, as the matching service writes them: each mails its mentor (Mailpit) and
is delivered, signed, to each endpoint. Measured in one run:

- a burst: events/s through, until the last mail is in Mailpit and the last delivery reached
  the healthy endpoints;
- a steady rate (`--rate`, 100/s) of `--events` events: p50/p99 from the event's time (its
  envelope's) to delivery (Mailpit's `Created`; the receiver's arrival), mail and healthy
  webhooks, with the slow endpoint answering late throughout; target p99 under 2 s;
- the baseline: raw aiosmtplib sends straight to Mailpit and raw signed httpx POSTs to the
  receiver, at the same rate, measured the same way.

Run `./mentornet bench notifications [--events N] [--rate R]` (it starts Kafka, the
MongoDB-wire server and Mailpit on bench ports), or `python -m bench.notifications` with
MENTORNET_KAFKA_BOOTSTRAP, MENTORNET_MONGO_URL, MENTORNET_SMTP_HOST, MENTORNET_SMTP_PORT and
MENTORNET_MAILPIT_URL naming running servers. The last line is one JSON object of the figures.
"""
