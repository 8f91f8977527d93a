"""A loopback stand-in for the Hugging Face Hub, enough for `huggingface_hub` and our downloader.

It speaks the parts of the Hub HTTP API the reference manager uses, for dataset repos:

    GET  /api/datasets/{org}/{name}/revision/{rev}[?blobs=true]   dataset_info (sha, siblings, LFS info)
    GET  /api/datasets/{org}/{name}/tree/{rev}[/{path}]           list_repo_tree (recursive, LFS info)
    POST /api/datasets/{org}/{name}/paths-info/{rev}              get_paths_info
    GET|HEAD /datasets/{org}/{name}/resolve/{rev}/{path}          302 to the LFS object, like the real Hub
                                                                  (small git files: their bytes, 200)
    GET|HEAD /lfs/{sha256}                                        the bytes, with HTTP Range (206)

Unknown repos and revisions answer 404 with the Hub's `X-Error-Code` headers, so `huggingface_hub`
raises its own RepositoryNotFoundError / RevisionNotFoundError. Faults are injected per file path:
`drop_after[path] = n` closes the connection after n body bytes (once per entry in `drops_left`),
`corrupt.add(path)` flips a byte in what is served, `slow[path] = seconds_per_chunk` trickles the
bytes out, `token = "..."` makes every request without that bearer token get 401. Everything
served is counted (`bytes_served`) and every request logged (`requests`), so tests can assert what
went over the wire. It binds 127.0.0.1 only.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

CHUNK = 16 * 1024


@dataclass
class LoggedRequest:
    method: str
    path: str
    headers: dict[str, str]


# What the Hub's default .gitattributes puts in LFS; other files (JSON, text) are kept in git itself,
# listed with their size and git blob id only, and served by `resolve` directly.
LFS_SUFFIXES = (".parquet", ".gz", ".zip", ".bin", ".png", ".jpg")


@dataclass
class Repo:
    files: dict[str, bytes]
    commit: str = "0123456789abcdef0123456789abcdef01234567"
    branches: tuple[str, ...] = ("main",)

    @staticmethod
    def in_lfs(path: str) -> bool:
        return path.endswith(LFS_SUFFIXES)

    def resolve(self, revision: str) -> str | None:
        return self.commit if revision in self.branches or revision == self.commit else None

    def sha256(self, path: str) -> str:
        return hashlib.sha256(self.files[path]).hexdigest()

    def tree_entry(self, path: str) -> dict:
        data = self.files[path]
        blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        entry = {"type": "file", "oid": blob, "size": len(data), "path": path}
        if self.in_lfs(path):
            entry["lfs"] = {"oid": self.sha256(path), "size": len(data), "pointerSize": 134}
        return entry


@dataclass
class HubServer:
    repos: dict[str, Repo] = field(default_factory=dict)
    token: str | None = None
    drop_after: dict[str, int] = field(default_factory=dict)
    drops_left: dict[str, int] = field(default_factory=dict)
    corrupt: set[str] = field(default_factory=set)
    slow: dict[str, float] = field(default_factory=dict)
    requests: list[LoggedRequest] = field(default_factory=list)
    bytes_served: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---
    def start(self) -> HubServer:
        handler = type("Handler", (_Handler,), {"hub": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def endpoint(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # --- helpers for tests ---
    def add_repo(self, repo_id: str, files: dict[str, bytes], **kwargs) -> Repo:
        self.repos[repo_id] = Repo(files=dict(files), **kwargs)
        return self.repos[repo_id]

    def drop(self, path: str, after_bytes: int, times: int = 1) -> None:
        self.drop_after[path] = after_bytes
        self.drops_left[path] = times

    def file_requests(self, path: str) -> list[LoggedRequest]:
        """GETs of a file's bytes (after the resolve redirect), oldest first."""
        return [r for r in self.requests
                if r.method == "GET" and r.path.startswith("/lfs/") and r.headers.get("x-file") == path]

    def count(self, n: int) -> None:
        with self._lock:
            self.bytes_served += n

    def blob(self, sha256: str) -> tuple[str, bytes] | None:
        for repo in self.repos.values():
            for path in repo.files:
                if repo.sha256(path) == sha256:
                    return path, repo.files[path]
        return None


class _Handler(BaseHTTPRequestHandler):
    hub: HubServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep pytest output clean
        pass

    # --- dispatch ---
    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        if url.path.startswith("/lfs/"):
            found = self.hub.blob(url.path.removeprefix("/lfs/"))
            headers["x-file"] = found[0] if found else ""
        self.hub.requests.append(LoggedRequest(method, self.path, headers))
        if method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            self._body = self.rfile.read(length) if length else b""
        if not self._authorized():
            return
        parts = [unquote(p) for p in url.path.strip("/").split("/")]
        query = parse_qs(url.query)
        if parts[:2] == ["api", "datasets"] and len(parts) >= 6:
            self._api(method, "/".join(parts[2:4]), parts[4], parts[5], "/".join(parts[6:]), query)
        elif parts[:1] == ["datasets"] and len(parts) >= 6 and parts[3] == "resolve":
            self._resolve(method, "/".join(parts[1:3]), parts[4], "/".join(parts[5:]))
        elif parts[:1] == ["lfs"] and len(parts) == 2:
            self._serve_blob(method, parts[1])
        else:
            self._error(404, "EntryNotFound", "Not found")

    def _authorized(self) -> bool:
        if self.hub.token is None:
            return True
        sent = self.headers.get("Authorization")
        if sent == f"Bearer {self.hub.token}":
            return True
        if self.path.startswith("/lfs/"):
            return True  # the real CDN URLs are signed; the token is checked at /resolve
        message = "Invalid credentials in Authorization header" if sent else "Unauthorized"
        self._error(401, None, message)
        return False

    # --- API ---
    def _repo_at(self, repo_id: str, revision: str) -> tuple[Repo, str] | None:
        repo = self.hub.repos.get(repo_id)
        if repo is None:
            self._error(404, "RepoNotFound", "Repository not found")
            return None
        commit = repo.resolve(revision)
        if commit is None:
            self._error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
            return None
        return repo, commit

    def _api(self, method: str, repo_id: str, kind: str, revision: str, rest: str,
             query: dict[str, list[str]]) -> None:
        found = self._repo_at(repo_id, revision)
        if found is None:
            return
        repo, commit = found
        if kind == "revision" and method == "GET":
            blobs = query.get("blobs", ["false"])[0].lower() == "true"
            siblings = []
            for path in sorted(repo.files):
                entry = {"rfilename": path}
                if blobs:
                    tree = repo.tree_entry(path)
                    entry.update(size=tree["size"], blobId=tree["oid"])
                    if "lfs" in tree:
                        entry["lfs"] = {"sha256": tree["lfs"]["oid"], "size": tree["size"],
                                        "pointerSize": 134}
                siblings.append(entry)
            self._json({"id": repo_id, "sha": commit, "private": self.hub.token is not None,
                        "siblings": siblings})
        elif kind == "tree" and method == "GET":
            recursive = query.get("recursive", ["false"])[0].lower() == "true"
            prefix = rest.strip("/")
            self._json(self._tree(repo, prefix, recursive))
        elif kind == "paths-info" and method == "POST":
            form = parse_qs(self._body.decode())
            wanted = form.get("paths", [])
            self._json([repo.tree_entry(p) for p in wanted if p in repo.files])
        else:
            self._error(404, "EntryNotFound", "Not found")

    def _tree(self, repo: Repo, prefix: str, recursive: bool) -> list[dict]:
        entries, folders = [], set()
        base = prefix + "/" if prefix else ""
        for path in sorted(repo.files):
            if not path.startswith(base):
                continue
            rest = path[len(base):]
            if "/" in rest and not recursive:
                folders.add(base + rest.split("/")[0])
                continue
            for i in range(1, rest.count("/") + 1):
                folders.add(base + "/".join(rest.split("/")[:i]))
            entries.append(repo.tree_entry(path))
        return [{"type": "directory", "oid": "0" * 40, "path": f} for f in sorted(folders)] + entries

    def _resolve(self, method: str, repo_id: str, revision: str, path: str) -> None:
        found = self._repo_at(repo_id, revision)
        if found is None:
            return
        repo, commit = found
        if path not in repo.files:
            self._error(404, "EntryNotFound", f"{path} does not exist on {revision}")
            return
        sha = repo.sha256(path)
        if not repo.in_lfs(path):
            self._serve_bytes(method, path, repo.files[path], sha, commit)
            return
        self.send_response(302)
        self.send_header("Location", f"/lfs/{sha}")
        self.send_header("X-Repo-Commit", commit)
        self.send_header("X-Linked-Etag", f'"{sha}"')
        self.send_header("X-Linked-Size", str(len(repo.files[path])))
        self.send_header("ETag", f'"{sha}"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    # --- bytes ---
    def _serve_blob(self, method: str, sha256: str) -> None:
        found = self.hub.blob(sha256)
        if found is None:
            self._error(404, "EntryNotFound", "No such object")
            return
        path, data = found
        self._serve_bytes(method, path, data, sha256)

    def _serve_bytes(self, method: str, path: str, data: bytes, sha256: str,
                     commit: str | None = None) -> None:
        if path in self.hub.corrupt:
            middle = len(data) // 2
            data = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]
        start, end = 0, len(data) - 1
        range_header = self.headers.get("Range")
        if range_header:
            spec = range_header.removeprefix("bytes=")
            first, _, last = spec.partition("-")
            start = int(first)
            end = int(last) if last else len(data) - 1
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:end + 1]
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", f'"{sha256}"')
        if commit:
            self.send_header("X-Repo-Commit", commit)
        self.end_headers()
        if method == "HEAD":
            return
        limit = len(body)
        if self.hub.drops_left.get(path, 0) > 0:
            self.hub.drops_left[path] -= 1
            limit = max(0, min(limit, self.hub.drop_after[path] - start))
        delay = self.hub.slow.get(path, 0.0)
        sent = 0
        try:
            while sent < limit:
                piece = body[sent:min(limit, sent + CHUNK)]
                self.wfile.write(piece)
                self.wfile.flush()
                self.hub.count(len(piece))
                sent += len(piece)
                if delay:
                    time.sleep(delay)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return
        if sent < len(body):
            # Dropped mid-file: the client sees fewer bytes than Content-Length promised.
            self.close_connection = True

    # --- responses ---
    def _json(self, data) -> None:
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, code: int, error_code: str | None, message: str) -> None:
        body = json.dumps({"error": message}).encode()
        self.send_response(code)
        if error_code:
            self.send_header("X-Error-Code", error_code)
        self.send_header("X-Error-Message", message)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


if __name__ == "__main__":
    # A server to try the CLI against by hand:
    #   uv run python tests/hub_server.py --size-mb 20 --slow 0.01 &
    #   HF_ENDPOINT=http://127.0.0.1:PORT uv run just-dna-desktop reference download --chromosomes 21,22
    import argparse
    import os

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", default="just-dna-seq/ensembl_variations")
    parser.add_argument("--chromosomes", default="21,22,MT")
    parser.add_argument("--size-mb", type=float, default=5.0, help="size of each (random) file")
    parser.add_argument("--slow", type=float, default=0.0, help="seconds to sleep per 16 KB chunk")
    options = parser.parse_args()
    files = {f"data/homo_sapiens-chr{c}.parquet": os.urandom(int(options.size_mb * 1e6))
             for c in options.chromosomes.split(",")}
    server = HubServer().start()
    server.add_repo(options.repo, files)
    server.slow = {path: options.slow for path in files} if options.slow else {}
    print(server.endpoint, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()
