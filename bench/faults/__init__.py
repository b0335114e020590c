"""bench/faults: the network under a steady load of member writes while its parts are killed.

Starts its own Kafka broker, FerretDB server and Mailpit (own ports and state directory, never
the shared ones), two instances of each of the five services and the demo's organisations,
providers, programmes and relationships (seeded through the real APIs, as `./mentornet up`
does). Then a steady open-loop load of member writes — messages, held meetings, meeting logs
and action-plan GROW notes — into the seeded relationships, spread over both sessions
instances: first a baseline phase without faults, then the fault phase, in which every 20 s a
random service instance is killed with SIGKILL and started again, and the Kafka broker and the
database server are each restarted once. At the end it checks every write answered 2xx: its
record exactly once in the sessions store, and its event exactly once in the consumers' read
models (evaluation's outcome records; notifications' unread-message digest items). It prints
writes accepted, lost, doubled, requests over 10 s, the time for consumer lag to return to
zero after the last fault, and the fault phase's throughput as a share of the baseline's.

`python -m bench.faults [--minutes 10] [--baseline-minutes 2] [--rate 4]`; one JSON line last.
"""
