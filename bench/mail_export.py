"""Benchmark: every message header of a 100,000-message shared mailbox into a DataFrame, through Graph and
through EWS, next to a naive loop for each, measured side by side in one process.

Run:  python bench/mail_export.py            (starts its own ``--scale large`` sandbox in a temporary dir)

Reported, never asserted (tests never time anything). For each run (:func:`bench._measure.measure`): the
requests the sandbox logged for the API's host (retries included), wall time, the run's own peak RSS
growth, and the DataFrame's ``memory_usage(deep=True)``. Then the targets and whether each is met:

* Graph: at most ``ceil(N/1000) + folders + 5`` requests (1,000 messages a page is Graph's largest
  ``$top``, https://learn.microsoft.com/graph/api/user-list-messages; one partial page per folder; a few
  for the folder tree);
* EWS: at most ``ceil(N/1000) + ceil(N/B) + folders + 5``: FindItem pages of 1,000 (EWSFindCountLimit,
  https://learn.microsoft.com/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange)
  and GetItem batches of B = 100 ids. No Microsoft page publishes how many ids Exchange Online takes in
  one GetItem; 100 is exchangelib's ``CHUNK_SIZE`` (https://github.com/ecederstrand/exchangelib), and
  the sandbox refuses more, as the client's :mod:`grooper_nb.exchange.ews.get_item` says;
* each at least 5x faster than its naive loop, both measured on the same subset of folders (the smallest
  ones, at least ``--sample`` messages): the naive loops need about 10,000 requests each for 100,000
  messages, too long for a benchmark on a shared 2-core machine; their full cost is printed as a linear
  extrapolation and marked so;
* peak RSS growth at most 3x the final DataFrame's deep memory.

The naive loops are what a first script looks like, one folder at a time in one thread:

* Graph: ``GraphPages`` over ``/mailFolders`` (default page, no ``$top``) and each folder's
  ``/messages`` with no ``$top`` (Graph's default page of 10) and no ``$select`` (every property,
  bodies included), rows kept as the JSON Graph sent;
* EWS, the loop Microsoft's EWS Managed API articles show first: FindItem pages of 100 (exchangelib's
  default page size), then each message bound on its own (``EmailMessage.Bind``, one GetItem per
  message,
  https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-work-with-exchange-mailbox-items-by-using-ews-in-exchange),
  both with the ``AllProperties`` shape (EWS's "no ``$select``": the body and every first-class
  property); rows built by the same record functions as the client's. Batching those GetItems is what
  https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-process-email-messages-in-batches-by-using-ews-in-exchange
  recommends instead, and what the client does.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._measure import Run, measure, print_table

SHARED = "invoices@contoso.onmicrosoft.com"
BATCH = 100  # GetItem ids a request (the client's BATCH_SIZE)
NAIVE_FIND_PAGE = 100
NAIVE_GET_BATCH = 1  # one GetItem per message, as EmailMessage.Bind does


def _cli(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "grooper_nb.sandbox", *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout) if out.stdout.strip().startswith("{") else {}


# -- the client ---------------------------------------------------------------------------------------
def client_listing(profile, via: str, folders: list[str] | None = None):
    from grooper_nb.exchange import Exchange

    return Exchange(profile, SHARED, via).messages(folders, progress=False)


def subset(folders, at_least: int) -> tuple[list[str], int]:
    """The smallest folders, in order of size, until they hold ``at_least`` messages: (paths, messages)."""
    paths, total = [], 0
    for _, row in folders.sort_values("total_count").iterrows():
        if total >= at_least:
            break
        paths.append(row["path"])
        total += int(row["total_count"])
    return paths, total


# -- naive Graph --------------------------------------------------------------------------------------
def naive_graph(profile, only: set[str]):
    """Folders and messages with GraphPages' defaults, one folder at a time, every property; the messages
    of the folders whose ids are in ``only``."""
    import pandas as pd

    from grooper_nb.auth import flows
    from grooper_nb.http import BearerAuth, GraphPages

    graph = f"{profile.cloud.graph_url}/v1.0/users/{SHARED}"
    token = flows.client_credentials(profile, [f"{profile.cloud.graph_url}/.default"])
    auth = BearerAuth(lambda _force: token.access_token.reveal())
    session = profile.session
    folders, todo = [], [f"{graph}/mailFolders"]
    while todo:
        for folder in GraphPages(session, todo.pop(), auth=auth):
            folders.append(folder)
            if folder.get("childFolderCount"):
                todo.append(f"{graph}/mailFolders/{folder['id']}/childFolders")
    rows: list[dict[str, Any]] = []
    for folder in (f for f in folders if f["id"] in only):
        rows.extend(GraphPages(session, f"{graph}/mailFolders/{folder['id']}/messages", auth=auth))
    return pd.DataFrame(rows)


# -- naive EWS ----------------------------------------------------------------------------------------
def _find_page(client, folder_id: str, offset: int):
    from grooper_nb.exchange.ews.soap import folder_id_xml, m, t

    body = (
        '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape>'
        f'<m:IndexedPageItemView MaxEntriesReturned="{NAIVE_FIND_PAGE}" Offset="{offset}" '
        'BasePoint="Beginning"/>'
        f"<m:ParentFolderIds>{folder_id_xml(folder_id)}</m:ParentFolderIds></m:FindItem>"
    )
    answer = client.call(body)
    root = answer.check(answer.messages[0]).find(m("RootFolder"))
    holder = root.find(t("Items"))
    items = list(holder) if holder is not None else []
    last = root.get("IncludesLastItemInRange", "true") == "true" or not items
    return items, last


def _get_details(client, ids: list[str]) -> dict[str, Any]:
    from grooper_nb.exchange.ews.soap import attr, m

    body = (
        "<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape>"
        f"<m:ItemIds>{''.join(f'<t:ItemId Id={attr(i)}/>' for i in ids)}</m:ItemIds></m:GetItem>"
    )
    answer = client.call(body)
    out = {}
    for item_id, message in zip(ids, answer.messages, strict=False):
        items = answer.check(message).find(m("Items"))
        if items is not None and len(items):
            out[item_id] = items[0]
    return out


def naive_ews(profile, only: set[str]):
    """FindItem pages of 100 and one GetItem per message, every property (``AllProperties``), one folder
    after another (the folders whose paths are in ``only``)."""
    import pandas as pd

    from grooper_nb.exchange.ews import EwsBackend
    from grooper_nb.exchange.ews.records import detail_fields, message_record

    backend = EwsBackend(profile, SHARED)
    rows: list[dict[str, Any]] = []
    for folder in (f for f in backend.folders() if f["path"] in only):
        offset, last = 0, False
        while not last:
            items, last = _find_page(backend.client, folder["id"], offset)
            offset += len(items)
            records = [message_record(i) for i in items]
            for start in range(0, len(records), NAIVE_GET_BATCH):
                chunk = records[start : start + NAIVE_GET_BATCH]
                details = _get_details(backend.client, [r["id"] for r in chunk])
                rows += [{**r, **detail_fields(details.get(r["id"]))} for r in chunk]
    return pd.DataFrame(rows)


def _server_seconds(state: str, host: str, since: int) -> float:
    """The time the sandbox spent answering the run's requests (the request log's ``duration_ms``): the
    part of the wall time no client can save."""
    from grooper_nb.sandbox import launcher

    total = 0.0
    while True:
        page = launcher.requests(state, host=host, since=since)
        if not page["entries"]:
            return total / 1000
        total += sum(e.get("duration_ms") or 0 for e in page["entries"])
        since = page["last"]


# -- report -------------------------------------------------------------------------------------------
def _mib(n: float) -> str:
    return f"{n / 2**20:.1f} MiB"


def _runs_table(runs: list[Run]) -> None:
    print(
        f"{'run':<22} {'rows':>8} {'requests':>9} {'wall (s)':>9} {'server (s)':>10} {'peak RSS growth':>16} "
        f"{'df deep':>11}"
    )
    for r in runs:
        frame = r.result
        deep = int(frame.memory_usage(deep=True).sum())
        r.extra["deep"] = deep
        exact = "" if r.peak_exact else " (upper bound)"
        print(
            f"{r.name:<22} {len(frame):>8} {r.requests:>9} {r.seconds:>9.1f} {r.extra['server_s']:>10.1f} "
            f"{_mib(r.peak_rss_growth):>16}{exact} {_mib(deep):>11}"
        )


def _targets(runs: dict[str, Run], n: int, folders: int) -> list[tuple[str, str, str, str]]:
    graph, ews = runs["graph"], runs["ews"]
    g_max = math.ceil(n / 1000) + folders + 5
    e_max = math.ceil(n / 1000) + math.ceil(n / BATCH) + folders + 5
    rows = [
        ("graph requests", str(graph.requests), f"<= {g_max}", _yes(graph.requests <= g_max)),
        ("ews requests", str(ews.requests), f"<= {e_max} (B = {BATCH})", _yes(ews.requests <= e_max)),
    ]
    for api in ("graph", "ews"):
        fast, slow = runs[f"{api} (subset)"], runs[f"naive {api} (subset)"]
        speed = slow.seconds / fast.seconds
        rows.append((f"{api} speed-up over naive (subset)", f"{speed:.1f}x", ">= 5x", _yes(speed >= 5)))
    for api in ("graph", "ews"):
        r = runs[api]
        ratio = r.peak_rss_growth / r.extra["deep"]
        rows.append((f"{api} peak RSS / df deep", f"{ratio:.2f}", "<= 3", _yes(ratio <= 3)))
    return rows


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large", help="the sandbox's --scale (large: 100,000 messages)")
    parser.add_argument(
        "--sample", type=int, default=4000, help="messages (at least) in the folders the naive loops read"
    )
    args = parser.parse_args()

    from grooper_nb.exchange import Exchange
    from grooper_nb.profile import connect
    from grooper_nb.sandbox import launcher

    with tempfile.TemporaryDirectory(prefix="grooper-nb-bench-") as tmp:
        state = str(Path(tmp) / "sandbox")
        _cli("start", "--state-dir", state, "--scale", args.scale)
        try:
            profile = connect(app="Grooper Server-to-Server", sandbox_dir=state)
            folders = Exchange(profile, SHARED).folders()
            n, count = int(folders["total_count"].sum()), len(folders)
            paths, sampled = subset(folders, args.sample)
            ids = set(folders.loc[folders["path"].isin(paths), "id"])
            print(f"{SHARED}: {n} messages in {count} folders (sandbox --scale {args.scale})")
            print(
                f"naive loops: measured on a subset, {sampled} messages in {len(paths)} folders (the "
                "smallest first), next to the client on the same folders; the full runs are the client's\n"
            )
            runs: dict[str, Run] = {}
            for name, host, fn in (
                ("graph", "graph", lambda: client_listing(profile, "graph")),
                ("ews", "ews", lambda: client_listing(profile, "ews")),
                ("graph (subset)", "graph", lambda: client_listing(profile, "graph", paths)),
                ("naive graph (subset)", "graph", lambda: naive_graph(profile, ids)),
                ("ews (subset)", "ews", lambda: client_listing(profile, "ews", paths)),
                ("naive ews (subset)", "ews", lambda: naive_ews(profile, set(paths))),
            ):
                first = launcher.requests(state, limit=1)["last"]
                runs[name] = measure(name, fn, state_dir=state, host=host)
                runs[name].extra["server_s"] = _server_seconds(state, host, first)
                print(f"  {name}: {runs[name].seconds:.1f} s", flush=True)
            print()
            _runs_table(list(runs.values()))
            for api in ("graph", "ews"):
                slow = runs[f"naive {api} (subset)"]
                print(
                    f"naive {api} on all {n} messages, extrapolated linearly from the subset (not measured): "
                    f"~{slow.requests * n / sampled:.0f} requests, ~{slow.seconds * n / sampled:.0f} s"
                )
            print()
            print_table(_targets(runs, n, count))
        finally:
            _cli("stop", "--state-dir", state)


if __name__ == "__main__":
    main()
