"""A load check on loopback: signed-in virtual users loop over their role's main pages.

    python scripts/loadcheck.py --base http://127.0.0.1:8000 --users 50 --seconds 60 \\
        --login lanhdao.tinh:PASSWORD,canbo1:PASSWORD,chutich1:PASSWORD

Each virtual user signs in with the next account of --login (round robin), finds its
pages from where the site sends it (a chair: their unit's year page; staff and leaders:
the units list, the dashboard, a stored report's XLSX when one exists, and the review
queue for staff, as the menu of their landing page offers them), then requests them in
turn, without pause unless --think is given, until --seconds have passed or
--max-requests were sent; each user requests every one of its pages once even past
--seconds, so that a slow site still measures every page. Prints requests/s and p50/p95/max latency per page
and overall, and the errors; exits 1 when any request or sign-in failed.

Standard library only. Loopback only: it refuses any other host.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import itertools
import math
import random
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_USERS = 500
MAX_SECONDS = 3600
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CHAIR_YEAR_PAGE = re.compile(r"/conferences/units/\d+/year/")
RUN_LINK = re.compile(r'href="/reports/(\d+)/"')
LINK = re.compile(r'href="(/[^"]*)"')
# Pages of staff and leaders, loaded when the menu of their landing page links to them.
MENU_PAGES = (
    ("units list", "/units/"),
    ("dashboard", "/reports/dashboard/"),
    ("review queue (staff)", "/conferences/review/"),
)
REPORT_LIST = "/reports/"
ERRORS_SHOWN = 10


@dataclass(frozen=True)
class Account:
    username: str
    password: str


@dataclass(frozen=True)
class Target:
    """One page a virtual user requests; pages of the same kind share a label in the summary."""

    label: str
    path: str
    expect_prefix: bytes = b""


@dataclass(frozen=True)
class Response:
    status: int
    path: str
    body: bytes


@dataclass
class Sample:
    label: str
    seconds: float
    error: str | None


@dataclass
class VirtualUser:
    number: int
    account: Account
    targets: list[Target] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    setup_error: str | None = None


class Client:
    """One browser: its own cookies (session, CSRF), redirects followed."""

    def __init__(self, base: str, timeout: float) -> None:
        self.base = base
        self.timeout = timeout
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def fetch(self, path: str, *, form: dict[str, str] | None = None, referer: str | None = None) -> Response:
        headers = {"User-Agent": "qcdc-loadcheck"}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["X-CSRFToken"] = form.get("csrfmiddlewaretoken", "")
        if referer:
            headers["Referer"] = self.base + referer
        # The base URL was checked to be http(s) on loopback (see loopback_base).
        request = urllib.request.Request(self.base + path, data=data, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return Response(response.status, urllib.parse.urlsplit(response.url).path, response.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, urllib.parse.urlsplit(error.url).path, error.read())

    def sign_in(self, account: Account) -> Response:
        """Sign in; return the page the site lands on (raises on failure)."""
        form_page = self.fetch("/accounts/login/")
        token = CSRF_FIELD.search(form_page.body.decode(errors="replace"))
        if form_page.status != 200 or not token:
            raise RuntimeError(f"sign-in page: HTTP {form_page.status}")
        landed = self.fetch(
            "/accounts/login/",
            form={"username": account.username, "password": account.password, "csrfmiddlewaretoken": token.group(1)},
            referer="/accounts/login/",
        )
        if landed.status != 200 or landed.path.startswith("/accounts/login/"):
            raise RuntimeError(f"{account.username} could not sign in (HTTP {landed.status} at {landed.path})")
        return landed


def parse_accounts(value: str) -> list[Account]:
    accounts = []
    for item in value.split(","):
        username, sep, password = item.strip().partition(":")
        if not (username and sep and password):
            raise argparse.ArgumentTypeError(f"expected USER:PASSWORD, got {item!r}")
        accounts.append(Account(username, password))
    return accounts


def loopback_base(value: str) -> str:
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"expected http://HOST:PORT, got {value!r}")
    if parts.hostname not in LOOPBACK_HOSTS:
        raise argparse.ArgumentTypeError(
            f"{parts.hostname} is not loopback: this tool only loads 127.0.0.1, localhost or ::1"
        )
    return f"{parts.scheme}://{parts.netloc}"


def bounded(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        number = int(value)
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"expected {low}–{high}, got {number}")
        return number

    return parse


def bounded_seconds(low: float, high: float) -> Callable[[str], float]:
    def parse(value: str) -> float:
        number = float(value)
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"expected {low}–{high} seconds, got {number}")
        return number

    return parse


def discover_targets(client: Client, landing: Response) -> list[Target]:
    """The role's main pages: where the site sends the user, and what its menu links to."""
    if CHAIR_YEAR_PAGE.fullmatch(landing.path):
        return [Target("chair: unit year page", landing.path)]
    links = set(LINK.findall(landing.body.decode(errors="replace")))
    targets = [Target(label, path) for label, path in MENU_PAGES if path in links]
    if REPORT_LIST in links:
        runs = client.fetch(REPORT_LIST)
        for run_id in list(dict.fromkeys(RUN_LINK.findall(runs.body.decode(errors="replace"))))[:5]:
            path = f"/reports/{run_id}/download/xlsx/"
            if client.fetch(path).body.startswith(b"PK"):
                targets.append(Target("report XLSX", path, expect_prefix=b"PK"))
                break
    return targets


class Budget:
    """Stops every virtual user at the deadline (after its first round of pages) or after
    the maximum number of requests."""

    def __init__(self, seconds: float, max_requests: int) -> None:
        self.deadline = time.monotonic() + seconds
        self.remaining = max_requests
        self.lock = threading.Lock()

    def take(self, *, first_round: bool = False) -> bool:
        if not first_round and time.monotonic() >= self.deadline:
            return False
        with self.lock:
            if self.remaining <= 0:
                return False
            self.remaining -= 1
            return True


def set_up(user: VirtualUser, client: Client) -> None:
    try:
        user.targets = discover_targets(client, client.sign_in(user.account))
    except (OSError, RuntimeError) as exc:
        user.setup_error = f"user {user.number} ({user.account.username}): {exc}"


def run_user(user: VirtualUser, client: Client, start: threading.Event, budget: Budget, think: float) -> None:
    # Pauses vary around --think and the first one is random, so that users do not all
    # click at the same instant (a synchronised wave would measure a burst, not a load).
    jitter = random.Random(user.number)  # noqa: S311 - timing, not security
    start.wait()
    if think:
        time.sleep(jitter.uniform(0, think))
    for sent, target in enumerate(itertools.cycle(user.targets)):
        if not budget.take(first_round=sent < len(user.targets)):
            return
        began = time.perf_counter()
        error = None
        try:
            response = client.fetch(target.path)
            if response.status != 200:
                error = f"HTTP {response.status} on {target.path}"
            elif response.path.startswith("/accounts/login/"):
                error = f"signed out on {target.path}"
            elif not response.body.startswith(target.expect_prefix):
                error = f"unexpected content on {target.path}"
        except OSError as exc:  # refused, reset, timed out
            error = f"{exc.__class__.__name__} on {target.path}: {exc}"
        user.samples.append(Sample(target.label, time.perf_counter() - began, error))
        if think:
            time.sleep(jitter.uniform(0.5 * think, 1.5 * think))


def percentile(sorted_seconds: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    return sorted_seconds[max(0, math.ceil(fraction * len(sorted_seconds)) - 1)]


def summary_line(label: str, samples: list[Sample], window: float) -> str:
    seconds = sorted(s.seconds for s in samples)
    errors = sum(1 for s in samples if s.error)
    return (
        f"{label:<26} {len(samples):>9} {len(samples) / window:>8.1f} "
        f"{percentile(seconds, 0.50) * 1000:>8.0f} {percentile(seconds, 0.95) * 1000:>8.0f} "
        f"{seconds[-1] * 1000:>8.0f} {errors:>7}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=loopback_base, required=True, help="http://127.0.0.1:PORT (loopback only)")
    parser.add_argument("--users", type=bounded(1, MAX_USERS), default=10, help="concurrent virtual users")
    parser.add_argument("--seconds", type=bounded(1, MAX_SECONDS), default=30, help="how long to load the site")
    parser.add_argument("--login", type=parse_accounts, required=True, help="USER:PASSWORD[,USER:PASSWORD...]")
    parser.add_argument("--max-requests", type=bounded(1, 10_000_000), default=1_000_000, help="stop after this many")
    parser.add_argument(
        "--think",
        type=bounded_seconds(0, 60),
        default=0.0,
        help="mean pause after each response, ±50%% (default 0: none)",
    )
    parser.add_argument("--timeout", type=bounded(1, 300), default=30, help="seconds one request may take")
    args = parser.parse_args(argv)

    users = [VirtualUser(n + 1, args.login[n % len(args.login)]) for n in range(args.users)]
    clients = [Client(args.base, args.timeout) for _ in users]

    print(f"signing in {len(users)} virtual users on {args.base} …", flush=True)
    began = time.perf_counter()
    setups = [threading.Thread(target=set_up, args=(u, c), daemon=True) for u, c in zip(users, clients, strict=True)]
    for thread in setups:
        thread.start()
    for thread in setups:
        thread.join()
    setup_errors = [u.setup_error for u in users if u.setup_error]
    print(f"signed in {len(users) - len(setup_errors)} of {len(users)} in {time.perf_counter() - began:.1f} s")
    for user in users:
        if not user.setup_error and not user.targets:
            setup_errors.append(f"user {user.number} ({user.account.username}): no page to load")
    for line in setup_errors[:ERRORS_SHOWN]:
        print(f"  {line}")
    active = [(u, c) for u, c in zip(users, clients, strict=True) if u.targets and not u.setup_error]
    if not active:
        print("no virtual user could start", file=sys.stderr)
        return 1

    start = threading.Event()
    budget = Budget(args.seconds, args.max_requests)
    workers = [
        threading.Thread(target=run_user, args=(u, c, start, budget, args.think), daemon=True) for u, c in active
    ]
    for thread in workers:
        thread.start()
    window_start = time.perf_counter()
    start.set()
    for thread in workers:
        thread.join()
    window = time.perf_counter() - window_start

    samples = [s for u, _ in active for s in u.samples]
    if not samples:
        print("no request was made", file=sys.stderr)
        return 1
    print(f"\n{len(active)} virtual users for {window:.1f} s ({len(samples)} requests)\n")
    print(f"{'page':<26} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>7}")
    for label in dict.fromkeys(s.label for s in samples):
        print(summary_line(label, [s for s in samples if s.label == label], window))
    print(summary_line("overall", samples, window))
    request_errors = [s.error for s in samples if s.error]
    print(f"\nerrors: {len(request_errors)} requests, {len(setup_errors)} virtual users not started")
    for line in list(dict.fromkeys(request_errors))[:ERRORS_SHOWN]:
        print(f"  {line}")
    return 1 if request_errors or setup_errors else 0


if __name__ == "__main__":
    sys.exit(main())
