"""The hand-written loop: what admins copy between scripts to pull MDCA data.

`requests.post` per page, `json.loads` of the body, every record appended to one list, and the list
used at the end. Files (and the other skip/limit lists) advance `skip` by the page size while `hasNext`;
activities follow the scan cursor the way Microsoft's sample does (`isScan`, `nextQueryFilters`),
because skip/limit stops at 5000 activities (api.md §4.3, §4.4).

    MDCA_URL=http://127.0.0.1:8765 MDCA_TOKEN=... python3 handwritten.py files [--sleep-on-429 SECONDS]
                                                  [--scan-limit 500..5000]

Without `--sleep-on-429` a 429 ends the script with an exception, as `raise_for_status()` does; with it
the script sleeps that fixed time and sends the same request again (no Retry-After, no pacing). One JSON
line on stderr at the end: records, requests, 429s received. The token comes from the environment.
"""

import argparse
import json
import os
import sys
import time

import requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("entity", choices=["files", "activities", "alerts", "entities"])
    parser.add_argument("--sleep-on-429", type=float, default=None, metavar="SECONDS")
    parser.add_argument("--scan-limit", type=int, default=5000, help="activity scan page size (500-5000)")
    args = parser.parse_args()

    url = os.environ["MDCA_URL"].rstrip("/") + "/api/v1/" + args.entity + "/"
    headers = {"Authorization": "Token " + os.environ["MDCA_TOKEN"]}
    records = []
    requests_sent = 0
    throttled = 0

    def post(body):
        nonlocal requests_sent, throttled
        while True:
            requests_sent += 1
            response = requests.post(url, json=body, headers=headers, timeout=120)
            if response.status_code == 429 and args.sleep_on_429 is not None:
                throttled += 1
                time.sleep(args.sleep_on_429)
                continue
            if response.status_code == 429:
                throttled += 1
            response.raise_for_status()
            return json.loads(response.text)

    try:
        if args.entity == "activities":
            body = {"filters": {}, "isScan": True, "limit": args.scan_limit}
            while True:
                page = post(body)
                records += page["data"]
                if not page.get("hasNext") or "nextQueryFilters" not in page:
                    break
                body["filters"] = page["nextQueryFilters"]
        else:
            skip = 0
            while True:
                page = post({"skip": skip, "limit": 100})
                records += page["data"]
                if not page.get("hasNext") or not page["data"]:
                    break
                skip += len(page["data"])
    except requests.HTTPError as error:
        print(
            json.dumps(
                {
                    "error": str(error.response.status_code),
                    "records": len(records),
                    "requests": requests_sent,
                    "throttled": throttled,
                }
            ),
            file=sys.stderr,
        )
        return 1

    # The script's "use" of the data: a field of every record, as a report would read it.
    ids = sum(1 for r in records if "_id" in r)
    summary = {"records": len(records), "ids": ids, "requests": requests_sent, "throttled": throttled}
    print(json.dumps(summary), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
