#!/usr/bin/env python3
"""Several `ringback watch` nodes on one PostgreSQL ledger, against one node on SQLite, in one run.

- Throughput: N voicemails (1-second WAVs, each distinct) renamed at once into the drop folders; the clock runs from
  the rename until the last card is in the Maildirs. Once with one node on a SQLite ledger (the alternative), once
  with one node on PostgreSQL, once with three nodes (sites a, b, c, a third of the files each) on PostgreSQL.
- Database round trips per voicemail: statements PostgreSQL executed (pg_stat_statements, BEGIN and COMMIT
  included) during the run, divided by N.
- Takeover: two nodes of one site on a shared spool, the second with a host name of its own (unshare --uts, so it
  cannot see the first's process and must wait out the 60-second lease); the first is killed with SIGKILL after 10
  cards; the time from the kill to the second's first card and to the last.

PostgreSQL 15 (Debian's postgresql-15) is started here, as the postgres user, in a temporary folder on a free port.
Needs root (PostgreSQL's user, unshare).

Usage: bench/cluster.py [--binary .build/release/ringback] [--count 600]
"""
import argparse, math, os, shutil, signal, socket, struct, subprocess, sys, tempfile, time, wave

PG = "/usr/lib/postgresql/15/bin"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(args, **kw):
    return subprocess.run(["runuser", "-u", "postgres", "--"] + args, check=True, cwd="/tmp", stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, **kw)


class Postgres:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="ringback-bench-pg-")
        shutil.chown(self.dir, "postgres", "postgres")
        os.chmod(self.dir, 0o700)
        self.port = free_port()
        as_postgres([PG + "/initdb", "-D", self.dir + "/data", "-U", "ringback", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"])
        # Durable as in production (fsync on): the figures include PostgreSQL's commits.
        as_postgres([PG + "/pg_ctl", "-D", self.dir + "/data", "-l", self.dir + "/log", "-w", "-o",
                     f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} "
                     "-c shared_preload_libraries=pg_stat_statements -c max_connections=200", "start"])

    def sql(self, statement, db="postgres"):
        out = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-h", "127.0.0.1", "-p", str(self.port), "-U", "ringback", "-d", db,
                              "-c", statement], check=True, capture_output=True, text=True)
        return out.stdout.strip()

    def database(self, name):
        self.sql(f"CREATE DATABASE {name}")
        self.sql("CREATE EXTENSION pg_stat_statements", db=name)
        return f"postgres://ringback@127.0.0.1:{self.port}/{name}?sslmode=disable"

    def statements(self, name):
        return int(self.sql(f"SELECT COALESCE(SUM(calls), 0) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
                            f"WHERE d.datname = '{name}'", db=name) or 0)

    def stop(self):
        as_postgres([PG + "/pg_ctl", "-D", self.dir + "/data", "-m", "fast", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)


def write_wav(path, n, seconds=1.0, rate=8000):
    frequency = 300 + (n % 2000)  # a different tone for each file: a different content hash, a different voicemail
    with wave.open(path, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", int(6000 * math.sin(2 * math.pi * frequency * i / rate)))
                               for i in range(int(seconds * rate))))


def node_config(root, ledger, site, spool):
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "pipeline.yml"), "w") as f:
        f.write('owner: { name: Bench, email: owner@example.com, timezone: UTC }\n'
                + (f'site: {site}\n' if site else '')
                + f'ledger: "{ledger}"\n'
                f'intake:\n  - {{ path: {spool}, layout: plain, settle: 1s }}\n'
                'mail: { from: "Ringback <voicemail@example.com>", to: [owner@example.com], maildir: ./outbox }\n')


def cards(roots):
    total = 0
    for root in roots:
        new = os.path.join(root, "outbox/new")
        total += len(os.listdir(new)) if os.path.isdir(new) else 0
    return total


def start(root, binary, prefix=()):
    log = open(os.path.join(root, "watch.log"), "a")
    return subprocess.Popen(list(prefix) + [binary, "watch", "--config", "pipeline.yml"], cwd=root, stdout=log, stderr=log)


def run_nodes(work, binary, count, ledgers, label, pg=None, db=None):
    """`ledgers`: one per node. Returns (seconds, statements)."""
    roots, spools, staging = [], [], []
    for index, ledger in enumerate(ledgers):
        root = os.path.join(work, f"{label}-{index}")
        spool = os.path.join(root, "spool")
        os.makedirs(spool); os.makedirs(os.path.join(root, "staging"))
        node_config(root, ledger, chr(ord("a") + index) if ledger.startswith("postgres") else None, spool)
        roots.append(root); spools.append(spool); staging.append(os.path.join(root, "staging"))
    for n in range(count):
        write_wav(os.path.join(staging[n % len(roots)], f"call-{n}.wav"), n)
    procs = [start(root, binary) for root in roots]
    try:
        time.sleep(4)  # each node has opened the ledger and holds its leases
        before = pg.statements(db) if pg else 0
        began = time.monotonic()
        for index in range(len(roots)):
            for name in os.listdir(staging[index]):
                os.rename(os.path.join(staging[index], name), os.path.join(spools[index], name))
        while cards(roots) < count:
            if time.monotonic() - began > 900:
                sys.exit(f"{label}: only {cards(roots)} of {count} cards after 900 s")
            time.sleep(0.05)
        seconds = time.monotonic() - began
        statements = (pg.statements(db) - before) if pg else 0
        return seconds, statements
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=30)


def takeover(work, binary, pg):
    ledger = pg.database("takeover")
    spool = os.path.join(work, "takeover-spool")
    os.makedirs(spool)
    first, second = os.path.join(work, "takeover-first"), os.path.join(work, "takeover-second")
    node_config(first, ledger, "a", spool)
    node_config(second, ledger, "a", spool)
    staging = os.path.join(work, "takeover-staging")
    os.makedirs(staging)
    count = 200
    for n in range(count):
        write_wav(os.path.join(staging, f"call-{n}.wav"), n)
    one = start(first, binary)
    time.sleep(3)
    two = start(second, binary, prefix=["unshare", "--uts", "/bin/sh", "-c", 'hostname other-machine && exec "$@"', "sh"])
    try:
        time.sleep(4)
        for name in os.listdir(staging):
            os.rename(os.path.join(staging, name), os.path.join(spool, name))
        while cards([first]) < 10:
            time.sleep(0.01)
        one.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        one.wait()
        first_card = None
        while cards([first, second]) < count:
            if first_card is None and cards([second]) > 0:
                first_card = time.monotonic() - killed
            if time.monotonic() - killed > 300:
                sys.exit("takeover: not finished after 300 s")
            time.sleep(0.05)
        if first_card is None:
            first_card = time.monotonic() - killed
        return first_card, time.monotonic() - killed, cards([first])
    finally:
        two.send_signal(signal.SIGTERM)
        two.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/ringback")
    parser.add_argument("--count", type=int, default=600)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench/cluster.py runs PostgreSQL as its own user and unshare: run it as root")
    binary = os.path.abspath(args.binary)
    work = tempfile.mkdtemp(prefix="ringback-bench-cluster-")
    pg = Postgres()
    try:
        count = args.count
        sqlite = run_nodes(work, binary, count, [os.path.join(work, "sqlite/ringback.sqlite")], "sqlite")
        one_db = "one"
        one = run_nodes(work, binary, count, [pg.database(one_db)], "pg1", pg, one_db)
        three_db = "three"
        url = pg.database(three_db)
        three = run_nodes(work, binary, count, [url, url, url], "pg3", pg, three_db)
        first, last, before = takeover(work, binary, pg)
        build = "release" if "/release/" in binary else "debug"
        print(f"{count} voicemails (1 s WAV each, Maildir), renamed into the drop folders at once; {build} build, this machine:")
        print(f"  {'ledger':34} {'seconds':>8} {'voicemails/s':>13} {'statements/voicemail':>21}")
        for label, (seconds, statements) in [("SQLite, 1 node", sqlite), ("PostgreSQL, 1 node", one), ("PostgreSQL, 3 nodes (a site each)", three)]:
            per = f"{statements / count:.1f}" if statements else "-"
            print(f"  {label:34} {seconds:8.1f} {count / seconds:13.1f} {per:>21}")
        print(f"  PostgreSQL 1 node / SQLite: {sqlite[0] / one[0]:.2f}x the throughput; 3 nodes / 1 node: {one[0] / three[0]:.2f}x")
        print(f"Takeover (a node of the same site on another host name, 60 s lease; the first SIGKILLed after {before} of 200 cards):")
        print(f"  first card from the survivor {first:.1f} s after the kill; all 200 carded {last:.1f} s after it")
    finally:
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
