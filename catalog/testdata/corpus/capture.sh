#!/usr/bin/env bash
# capture.sh - regenerate the failure-output corpus by really running tools.
#
# Every capture function builds a tiny throwaway project under a fresh
# scratch directory, runs ONE command there with stdout+stderr combined, and
# writes <type>/<name>.txt next to this script:
#
#   line 1:   # exit <code>: <command>
#   line 2..: the combined output, verbatim (only the random scratch path is
#             rewritten to /tmp/proj so reruns are stable)
#
# Usage: ./capture.sh            # all captures
#        ./capture.sh NAME...    # only the named capture functions (e.g. cap_curl_refused)
#
# A capture whose tool is missing is skipped with a message.
# The permission_denied, tmpfs disk_full and cgroup OOM captures need root
# (setpriv to nobody, mount -t tmpfs, a child memory cgroup); they are
# skipped otherwise.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE
mkdir -p /tmp/corpus-work
WORK=$(mktemp -d /tmp/corpus-work/run.XXXXXX)
trap 'kill_server; cleanup_mounts; cleanup_cgroup; rm -rf "$WORK"' EXIT

# Python used for scripts: Debian's, which is where apt installs pytest.
PY=/usr/bin/python3
# Python whose pip is used; Debian's has setuptools+wheel for building the
# local wheels of the pip conflict captures (apt: python3-pip python3-wheel).
PIPPY=/usr/bin/python3

export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
# Rust's default (no backtrace) so captures do not depend on the caller's env.
unset RUST_BACKTRACE
MAX_BYTES=30000
HTTP_PORT=47503        # fixed port of the local HTTP status server
SERVER_PID=

log() { printf '%s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

# proj NAME -> prints a fresh, empty scratch directory for one capture
proj() {
  local d="$WORK/$1"
  rm -rf "$d" && mkdir -p "$d" && printf '%s\n' "$d"
}

# normalize: make reruns stable (random temp dirs -> /tmp/proj)
normalize() {
  sed -E \
    -e "s#${WORK}#/tmp/proj#g" \
    -e 's#/tmp/tmp\.[A-Za-z0-9]+#/tmp/proj#g' \
    -e 's#/tmp/go-build[0-9]+#/tmp/go-build#g'
}

# capture TYPE NAME DIR CMD
#   runs CMD (a bash command line) in DIR, 2>&1, records its real exit code.
capture() {
  local type=$1 name=$2 dir=$3 cmd=$4
  local dest="$OUT/$type/$name.txt" raw rc note=""
  mkdir -p "$OUT/$type"
  raw=$(mktemp)
  (cd "$dir" && timeout 600 bash -c "$cmd") >"$raw" 2>&1 </dev/null
  rc=$?
  normalize <"$raw" >"$raw.n"
  if [ "$(wc -c <"$raw.n")" -gt "$MAX_BYTES" ]; then
    note=" (trimmed)"
    local lines; lines=$(wc -l <"$raw.n")
    { head -n 150 "$raw.n"
      echo "... [trimmed $((lines - 300)) lines] ..."
      tail -n 150 "$raw.n"; } >"$raw.t"
    mv "$raw.t" "$raw.n"
  fi
  { printf '# exit %s: %s%s\n' "$rc" "$cmd" "$note"; cat "$raw.n"; } >"$dest"
  rm -f "$raw" "$raw.n"
  log "captured $type/$name.txt (exit $rc)"
}

skip() { log "SKIP $1: $2"; }

# Tiny tmpfs mounts (disk_full captures) and the memory cgroup (OOM-killer
# capture) are undone at exit even if a capture fails half-way.
MOUNTS=()
OOM_CGROUP=
cleanup_mounts() {
  local m
  for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null; done
  MOUNTS=()
}
cleanup_cgroup() {
  [ -n "$OOM_CGROUP" ] && rmdir "$OOM_CGROUP" 2>/dev/null
  OOM_CGROUP=
}

# ---------------------------------------------------------------- helpers

# A tiny HTTP server answering /503, /502, /429 with that status, and
# /slow after 10 seconds. Started once, killed on exit.
start_server() {
  [ -n "$SERVER_PID" ] && return 0
  local d; d=$(proj http_server)
  cat >"$d/status_server.py" <<'EOF'
import sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class H(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/slow"):
            time.sleep(10)
        code = 200
        for p, c in (("/503", 503), ("/502", 502), ("/429", 429)):
            if self.path.startswith(p):
                code = c
        body = ("status %d\n" % code).encode()
        self.send_response(code)
        if code == 429:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except BrokenPipeError:
            pass
    def log_message(self, *a):
        pass

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
  "$PY" "$d/status_server.py" "$HTTP_PORT" >/dev/null 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/" && return 0
    sleep 0.1
  done
  log "status server did not start"; return 1
}
kill_server() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; SERVER_PID=; }

gomod() { printf 'module example.com/demo\n\ngo 1.22\n' >"$1/go.mod"; }

cargo_proj() { # DIR NAME
  mkdir -p "$1/src"
  printf '[package]\nname = "%s"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n' "$2" >"$1/Cargo.toml"
}

# ============================================================ transient

cap_curl_refused() {
  have curl || { skip curl_refused "no curl"; return; }
  capture transient curl_connection_refused "$(proj c)" 'curl http://127.0.0.1:1/'
}
cap_curl_refused_silent() {
  have curl || { skip curl_refused_silent "no curl"; return; }
  capture transient curl_connection_refused_sS "$(proj c)" 'curl -sS http://127.0.0.1:1/'
}
cap_curl_dns() {
  have curl || { skip curl_dns "no curl"; return; }
  capture transient curl_dns_failure "$(proj c)" 'curl -sS http://nosuchhost.invalid/'
}
cap_curl_503() {
  have curl || { skip curl_503 "no curl"; return; }
  start_server || return
  capture transient curl_http_503 "$(proj c)" "curl -fsS http://127.0.0.1:$HTTP_PORT/503"
}
cap_curl_502() {
  have curl || { skip curl_502 "no curl"; return; }
  start_server || return
  capture transient curl_http_502 "$(proj c)" "curl -f http://127.0.0.1:$HTTP_PORT/502"
}
cap_curl_429() {
  have curl || { skip curl_429 "no curl"; return; }
  start_server || return
  capture transient curl_http_429 "$(proj c)" "curl -fsS http://127.0.0.1:$HTTP_PORT/429"
}
cap_curl_timeout() {
  have curl || { skip curl_timeout "no curl"; return; }
  start_server || return
  capture transient curl_timeout "$(proj c)" "curl -sS --max-time 1 http://127.0.0.1:$HTTP_PORT/slow"
}
cap_wget_refused() {
  have wget || { skip wget_refused "no wget"; return; }
  capture transient wget_connection_refused "$(proj c)" 'wget -O /dev/null http://127.0.0.1:1/'
}
cap_wget_dns() {
  have wget || { skip wget_dns "no wget"; return; }
  capture transient wget_dns_failure "$(proj c)" 'wget -O /dev/null http://nosuchhost.invalid/'
}
cap_wget_503() {
  have wget || { skip wget_503 "no wget"; return; }
  start_server || return
  capture transient wget_http_503 "$(proj c)" "wget --tries=1 -O /dev/null http://127.0.0.1:$HTTP_PORT/503"
}
cap_ssh_refused() {
  have ssh || { skip ssh_refused "no ssh"; return; }
  capture transient ssh_connection_refused "$(proj c)" \
    'ssh -o BatchMode=yes -o StrictHostKeyChecking=no -p 1 127.0.0.1 true'
}

cap_py_conn_refused() {
  local d; d=$(proj py_conn_refused)
  cat >"$d/fetch.py" <<'EOF'
import socket
s = socket.create_connection(("127.0.0.1", 1), timeout=5)
EOF
  capture transient python_connection_refused "$d" "$PY fetch.py"
}
cap_py_urllib_refused() {
  local d; d=$(proj py_urllib_refused)
  cat >"$d/fetch.py" <<'EOF'
import urllib.request
print(urllib.request.urlopen("http://127.0.0.1:1/health", timeout=5).read())
EOF
  capture transient python_urllib_connection_refused "$d" "$PY fetch.py"
}
cap_py_urllib_dns() {
  local d; d=$(proj py_urllib_dns)
  cat >"$d/fetch.py" <<'EOF'
import urllib.request
print(urllib.request.urlopen("http://nosuchhost.invalid/", timeout=5).read())
EOF
  capture transient python_urllib_dns_failure "$d" "$PY fetch.py"
}
cap_py_urllib_503() {
  start_server || return
  local d; d=$(proj py_urllib_503)
  cat >"$d/fetch.py" <<EOF
import urllib.request
print(urllib.request.urlopen("http://127.0.0.1:$HTTP_PORT/503", timeout=5).read())
EOF
  capture transient python_urllib_http_503 "$d" "$PY fetch.py"
}
cap_py_conn_reset() {
  local d; d=$(proj py_conn_reset)
  # A local server accepts then closes with SO_LINGER=0, which sends a RST.
  cat >"$d/reset.py" <<'EOF'
import socket, struct, threading

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)

def serve():
    conn, _ = srv.accept()
    conn.recv(1024)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()

threading.Thread(target=serve, daemon=True).start()
c = socket.create_connection(srv.getsockname())
c.sendall(b"GET / HTTP/1.0\r\n\r\n")
data = c.recv(1024)
EOF
  capture transient python_connection_reset "$d" "$PY reset.py"
}
cap_py_urllib_reset() {
  local d; d=$(proj py_urllib_reset)
  cat >"$d/reset.py" <<'EOF'
import socket, struct, threading, urllib.request

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)

def serve():
    conn, _ = srv.accept()
    conn.recv(4096)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()

threading.Thread(target=serve, daemon=True).start()
host, port = srv.getsockname()
urllib.request.urlopen("http://%s:%d/" % (host, port), timeout=5)
EOF
  capture transient python_urllib_connection_reset "$d" "$PY reset.py"
}
cap_py_sqlite_locked() {
  local d; d=$(proj py_sqlite_locked)
  cat >"$d/locked.py" <<'EOF'
import sqlite3
writer = sqlite3.connect("app.db", isolation_level=None)
writer.execute("CREATE TABLE jobs (id INTEGER)")
writer.execute("BEGIN EXCLUSIVE")
writer.execute("INSERT INTO jobs VALUES (1)")
other = sqlite3.connect("app.db", timeout=0)
other.execute("INSERT INTO jobs VALUES (2)")
EOF
  capture transient python_sqlite_database_locked "$d" "$PY locked.py"
}
cap_sqlite_cli_locked() {
  have sqlite3 || { skip sqlite_cli_locked "no sqlite3 CLI"; return; }
  local d; d=$(proj sqlite_cli_locked)
  cat >"$d/hold.py" <<'EOF'
import sqlite3, time
c = sqlite3.connect("app.db", isolation_level=None)
c.execute("CREATE TABLE jobs (id INTEGER)")
c.execute("BEGIN EXCLUSIVE")
c.execute("INSERT INTO jobs VALUES (1)")
open("locked", "w").close()
time.sleep(8)
EOF
  (cd "$d" && "$PY" hold.py) & local holder=$!
  for _ in $(seq 50); do [ -e "$d/locked" ] && break; sleep 0.1; done
  capture transient sqlite3_cli_database_locked "$d" "sqlite3 app.db 'INSERT INTO jobs VALUES (2);'"
  kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
}

cap_go_http_refused() {
  have go || { skip go_http_refused "no go"; return; }
  local d; d=$(proj go_http_refused); gomod "$d"
  cat >"$d/main.go" <<'EOF'
package main

import (
	"log"
	"net/http"
)

func main() {
	resp, err := http.Get("http://127.0.0.1:1/healthz")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
}
EOF
  capture transient go_http_connection_refused "$d" 'go run .'
}
cap_go_http_dns() {
  have go || { skip go_http_dns "no go"; return; }
  local d; d=$(proj go_http_dns); gomod "$d"
  cat >"$d/main.go" <<'EOF'
package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	resp, err := http.Get("http://nosuchhost.invalid/")
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	resp.Body.Close()
}
EOF
  capture transient go_http_no_such_host "$d" 'go run .'
}
cap_go_http_timeout() {
  have go || { skip go_http_timeout "no go"; return; }
  start_server || return
  local d; d=$(proj go_http_timeout); gomod "$d"
  cat >"$d/main.go" <<EOF
package main

import (
	"fmt"
	"net/http"
	"os"
	"time"
)

func main() {
	c := &http.Client{Timeout: 1 * time.Second}
	resp, err := c.Get("http://127.0.0.1:$HTTP_PORT/slow")
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	resp.Body.Close()
}
EOF
  capture transient go_http_client_timeout "$d" 'go run .'
}
go_proxy_proj() { # DIR: a module needing a dependency, with an empty private module cache
  gomod "$1"
  printf '\nrequire github.com/google/uuid v1.6.0\n' >>"$1/go.mod"
  printf 'package main\n\nimport "github.com/google/uuid"\n\nfunc main() { println(uuid.NewString()) }\n' >"$1/main.go"
}
cap_go_proxy_refused() {
  have go || { skip go_proxy_refused "no go"; return; }
  local d; d=$(proj go_proxy_refused); go_proxy_proj "$d"
  capture transient go_mod_proxy_connection_refused "$d" \
    'GOMODCACHE=$PWD/modcache GOFLAGS="-mod=mod -modcacherw" GOPROXY=http://127.0.0.1:1 go build ./...'
}
cap_go_proxy_503() {
  have go || { skip go_proxy_503 "no go"; return; }
  start_server || return
  local d; d=$(proj go_proxy_503); go_proxy_proj "$d"
  capture transient go_mod_proxy_http_503 "$d" \
    "GOMODCACHE=\$PWD/modcache GOFLAGS='-mod=mod -modcacherw' GOPROXY=http://127.0.0.1:$HTTP_PORT/503 go build ./..."
}
cap_go_test_refused() {
  have go || { skip go_test_refused "no go"; return; }
  local d; d=$(proj go_test_refused); gomod "$d"
  cat >"$d/client.go" <<'EOF'
package demo

import "net"

func Ping(addr string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	return c.Close()
}
EOF
  cat >"$d/client_test.go" <<'EOF'
package demo

import "testing"

func TestPingDatabase(t *testing.T) {
	if err := Ping("127.0.0.1:1"); err != nil {
		t.Fatalf("ping database: %v", err)
	}
}
EOF
  capture transient go_test_connection_refused "$d" 'go test ./...'
}

cap_node_refused() {
  have node || { skip node_refused "no node"; return; }
  local d; d=$(proj node_refused)
  cat >"$d/get.js" <<'EOF'
const http = require('http');
http.get('http://127.0.0.1:1/', (res) => res.resume());
EOF
  capture transient node_econnrefused "$d" 'node get.js'
}
cap_node_fetch_dns() {
  have node || { skip node_fetch_dns "no node"; return; }
  local d; d=$(proj node_fetch_dns)
  cat >"$d/get.mjs" <<'EOF'
const res = await fetch('http://nosuchhost.invalid/');
console.log(res.status);
EOF
  capture transient node_fetch_enotfound "$d" 'node get.mjs'
}
cap_node_fetch_refused() {
  have node || { skip node_fetch_refused "no node"; return; }
  local d; d=$(proj node_fetch_refused)
  cat >"$d/get.mjs" <<'EOF'
// port 1 is on fetch's "bad port" list, so use an unused high port
const res = await fetch('http://127.0.0.1:47599/');
console.log(res.status);
EOF
  capture transient node_fetch_econnrefused "$d" 'node get.mjs'
}

cap_git_clone_refused() {
  have git || { skip git_clone_refused "no git"; return; }
  capture transient git_clone_connection_refused "$(proj git_clone)" 'git clone http://127.0.0.1:1/x.git'
}
cap_git_ls_remote_refused() {
  have git || { skip git_ls_remote_refused "no git"; return; }
  capture transient git_ls_remote_connection_refused "$(proj git_ls)" 'git ls-remote http://127.0.0.1:1/x.git'
}
cap_git_clone_dns() {
  have git || { skip git_clone_dns "no git"; return; }
  capture transient git_clone_dns_failure "$(proj git_dns)" 'git clone http://nosuchhost.invalid/x.git'
}
cap_git_ls_remote_503() {
  have git || { skip git_ls_remote_503 "no git"; return; }
  start_server || return
  capture transient git_ls_remote_http_503 "$(proj git_ls503)" "git ls-remote http://127.0.0.1:$HTTP_PORT/503/x.git"
}

cap_npm_registry_refused() {
  have npm || { skip npm_registry_refused "no npm"; return; }
  local d; d=$(proj npm_registry_refused)
  printf '{ "name": "demo", "version": "1.0.0" }\n' >"$d/package.json"
  # fresh cache so npm cannot fall back to cached metadata
  capture transient npm_install_registry_refused "$d" \
    'npm install left-pad --registry http://127.0.0.1:1/ --cache ./npm-cache'
}
cap_npm_registry_503() {
  have npm || { skip npm_registry_503 "no npm"; return; }
  start_server || return
  local d; d=$(proj npm_registry_503)
  printf '{ "name": "demo", "version": "1.0.0" }\n' >"$d/package.json"
  capture transient npm_install_registry_503 "$d" \
    "npm install left-pad --registry http://127.0.0.1:$HTTP_PORT/503/ --cache ./npm-cache"
}
cap_pip_index_503() {
  "$PIPPY" -m pip --version >/dev/null 2>&1 || { skip pip_index_503 "no pip"; return; }
  start_server || return
  capture transient pip_download_index_503 "$(proj pip_503)" \
    "env -u PIP_FIND_LINKS $PIPPY -m pip download --no-cache-dir --index-url http://127.0.0.1:$HTTP_PORT/503/simple requests"
}
cap_pip_index_refused() {
  "$PIPPY" -m pip --version >/dev/null 2>&1 || { skip pip_index_refused "no pip"; return; }
  capture transient pip_download_index_refused "$(proj pip_refused)" \
    "env -u PIP_FIND_LINKS $PIPPY -m pip download --no-cache-dir --index-url http://127.0.0.1:1/simple requests"
}
cap_exit_75() {
  capture transient sh_exit_75_tempfail "$(proj sh75)" "sh -c 'exit 75'"
}

# ============================================================ implementation_failure

cap_py_syntax() {
  local d; d=$(proj py_syntax)
  printf 'def main():\n    print("hello"\n\nmain()\n' >"$d/app.py"
  capture implementation_failure python_syntax_error "$d" "$PY app.py"
}
cap_py_syntax_colon() {
  local d; d=$(proj py_syntax_colon)
  printf 'def main()\n    return 1\n' >"$d/app.py"
  capture implementation_failure python_syntax_error_expected_colon "$d" "$PY app.py"
}
cap_py_indent() {
  local d; d=$(proj py_indent)
  printf 'def main():\n    x = 1\n      y = 2\n    return x + y\n' >"$d/app.py"
  capture implementation_failure python_indentation_error "$d" "$PY app.py"
}
cap_py_module_not_found() {
  local d; d=$(proj py_mnf)
  printf 'import yamlx_does_not_exist\n\nprint("ok")\n' >"$d/app.py"
  capture missing_dependency python_module_not_found "$d" "$PY app.py"
}
cap_py_import_error() {
  local d; d=$(proj py_importerror)
  printf 'from os.path import joinpath\n\nprint(joinpath("a", "b"))\n' >"$d/app.py"
  capture implementation_failure python_import_error "$d" "$PY app.py"
}
cap_py_name_error() {
  local d; d=$(proj py_nameerror)
  printf 'def total(items):\n    return sum(item.price for item in itemz)\n\nprint(total([]))\n' >"$d/app.py"
  capture implementation_failure python_name_error "$d" "$PY app.py"
}
cap_py_attribute_error() {
  local d; d=$(proj py_attrerror)
  printf 'config = None\nprint(config.get("port"))\n' >"$d/app.py"
  capture implementation_failure python_attribute_error "$d" "$PY app.py"
}
cap_py_type_error() {
  local d; d=$(proj py_typeerror)
  printf 'count = 3\nprint("count: " + count)\n' >"$d/app.py"
  capture implementation_failure python_type_error "$d" "$PY app.py"
}

cap_go_build_undefined() {
  have go || { skip go_build_undefined "no go"; return; }
  local d; d=$(proj go_build_undefined); gomod "$d"
  printf 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println(greeting(name))\n}\n' >"$d/main.go"
  capture implementation_failure go_build_undefined "$d" 'go build ./...'
}
cap_go_build_types() {
  have go || { skip go_build_types "no go"; return; }
  local d; d=$(proj go_build_types); gomod "$d"
  cat >"$d/main.go" <<'EOF'
package main

import "fmt"

func port() int {
	return "8080"
}

func main() {
	var n int = "three"
	fmt.Println(port() + n)
}
EOF
  capture implementation_failure go_build_type_mismatch "$d" 'go build ./...'
}
cap_go_build_unused() {
  have go || { skip go_build_unused "no go"; return; }
  local d; d=$(proj go_build_unused); gomod "$d"
  printf 'package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\nfunc main() {\n\tx := 1\n\tfmt.Println("hi")\n}\n' >"$d/main.go"
  capture implementation_failure go_build_unused "$d" 'go build ./...'
}
cap_go_vet() {
  have go || { skip go_vet "no go"; return; }
  local d; d=$(proj go_vet); gomod "$d"
  cat >"$d/main.go" <<'EOF'
package main

import "fmt"

func main() {
	name := "maestro"
	fmt.Printf("%d retries for %s\n", name)
}
EOF
  capture implementation_failure go_vet_printf "$d" 'go vet ./...'
}
cap_go_test_build_failed() {
  have go || { skip go_test_build_failed "no go"; return; }
  local d; d=$(proj go_test_build_failed); gomod "$d"
  printf 'package demo\n\nfunc Add(a, b int) int { return a + b }\n' >"$d/add.go"
  cat >"$d/add_test.go" <<'EOF'
package demo

import "testing"

func TestAdd(t *testing.T) {
	if got := Sum(1, 2); got != 3 {
		t.Errorf("Sum(1, 2) = %d, want 3", got)
	}
}
EOF
  capture implementation_failure go_test_build_failed "$d" 'go test ./...'
}
cap_go_test_syntax() {
  have go || { skip go_test_syntax "no go"; return; }
  local d; d=$(proj go_test_syntax); gomod "$d"
  printf 'package demo\n\nfunc Add(a, b int) int { return a + b }\n' >"$d/add.go"
  cat >"$d/add_test.go" <<'EOF'
package demo

import "testing"

func TestAdd(t *testing.T) {
	if Add(1, 2) != 3 {
		t.Errorf("bad sum"
	}
}
EOF
  capture implementation_failure go_test_syntax_error "$d" 'go test ./...'
}

cap_pytest_collection() {
  "$PY" -m pytest --version >/dev/null 2>&1 || { skip pytest_collection "no pytest for $PY"; return; }
  local d; d=$(proj pytest_collection)
  printf 'import missing_helper_mod\n\n\ndef test_ok():\n    assert missing_helper_mod.ok()\n' >"$d/test_app.py"
  capture missing_dependency pytest_collection_error "$d" "$PY -m pytest -p no:cacheprovider"
}
cap_pytest_collection_syntax() {
  "$PY" -m pytest --version >/dev/null 2>&1 || { skip pytest_collection_syntax "no pytest for $PY"; return; }
  local d; d=$(proj pytest_collection_syntax)
  printf 'def test_ok():\n    assert [1, 2 == [1, 2]\n' >"$d/test_app.py"
  capture implementation_failure pytest_collection_syntax_error "$d" "$PY -m pytest -p no:cacheprovider"
}

cap_node_syntax() {
  have node || { skip node_syntax "no node"; return; }
  local d; d=$(proj node_syntax)
  printf 'function main() {\n  const x = {a: 1,, b: 2};\n  return x;\n}\nmain();\n' >"$d/app.js"
  capture implementation_failure node_syntax_error "$d" 'node app.js'
}
cap_node_cannot_find() {
  have node || { skip node_cannot_find "no node"; return; }
  local d; d=$(proj node_cannot_find)
  printf "const lib = require('./lib/helpers');\nlib.run();\n" >"$d/app.js"
  capture implementation_failure node_cannot_find_module "$d" 'node app.js'
}
cap_node_cannot_find_pkg() {
  have node || { skip node_cannot_find_pkg "no node"; return; }
  local d; d=$(proj node_cannot_find_pkg)
  printf "import express from 'express';\nexpress();\n" >"$d/app.mjs"
  capture missing_dependency node_err_module_not_found "$d" 'node app.mjs'
}
cap_node_type_error() {
  have node || { skip node_type_error "no node"; return; }
  local d; d=$(proj node_type_error)
  printf "const cfg = undefined;\nconsole.log(cfg.port);\n" >"$d/app.js"
  capture implementation_failure node_type_error "$d" 'node app.js'
}

cap_cargo_build_error() {
  have cargo || { skip cargo_build_error "no cargo"; return; }
  local d; d=$(proj cargo_build_error); cargo_proj "$d" demo
  cat >"$d/src/main.rs" <<'EOF'
fn main() {
    let retries: u32 = "three";
    println!("{}", retries + count);
}
EOF
  capture implementation_failure cargo_build_error "$d" 'cargo build --offline'
}

cap_bash_syntax() {
  local d; d=$(proj bash_syntax)
  printf '#!/bin/bash\nif [ -f /etc/hostname ]; then\nfi\necho done\n' >"$d/deploy.sh"
  capture implementation_failure bash_syntax_error "$d" 'bash deploy.sh'
}
cap_bash_syntax_eof() {
  local d; d=$(proj bash_syntax_eof)
  printf '#!/bin/bash\necho "starting\nexit 0\n' >"$d/deploy.sh"
  capture implementation_failure bash_unexpected_eof "$d" 'bash deploy.sh'
}
cap_sh_syntax() {
  local d; d=$(proj sh_syntax)
  printf 'for f in a b c\n  echo $f\ndone\n' >"$d/build.sh"
  capture implementation_failure sh_syntax_error "$d" 'sh build.sh'
}

cap_tsc() {
  have npm || { skip tsc "no npm"; return; }
  local d; d=$(proj tsc)
  printf '{ "name": "demo", "version": "1.0.0", "private": true }\n' >"$d/package.json"
  if ! (cd "$d" && npm install --no-audit --no-fund typescript@5 >/dev/null 2>&1); then
    skip tsc "npm install typescript failed"; return
  fi
  cat >"$d/app.ts" <<'EOF'
function retries(n: number): number {
  return n * 2;
}
const r: string = retries("3");
console.log(r.toUpperCase(), undefinedThing);
EOF
  capture implementation_failure tsc_type_error "$d" 'npx tsc --noEmit app.ts'
}

# ============================================================ missing_dependency
# (python_module_not_found, node_err_module_not_found and pytest_collection_error
# above are missing dependencies too: a module imported that is not installed.)

cap_pytest_not_installed() {
  # `python3 -m pytest` where pytest is not installed: a virtualenv without
  # pip, so the capture does not depend on what this machine has.
  local d; d=$(proj pytest_not_installed)
  "$PY" -m venv --without-pip "$d/.venv" || { skip pytest_not_installed "no venv for $PY"; return; }
  printf 'def test_ok():\n    assert True\n' >"$d/test_app.py"
  capture missing_dependency python_m_pytest_not_installed "$d" ".venv/bin/python -m pytest"
}
cap_pytest_import_in_test() {
  "$PY" -m pytest --version >/dev/null 2>&1 || { skip pytest_import_in_test "no pytest for $PY"; return; }
  local d; d=$(proj pytest_import_in_test)
  cat >"$d/test_config.py" <<'PYEOF'
def test_load():
    import yamlx_does_not_exist
    assert yamlx_does_not_exist.safe_load("a: 1") == {"a": 1}


def test_ok():
    assert True
PYEOF
  capture missing_dependency pytest_import_in_test "$d" "$PY -m pytest -p no:cacheprovider"
}
cap_node_require_pkg() {
  have node || { skip node_require_pkg "no node"; return; }
  local d; d=$(proj node_require_pkg)
  printf "const leftPad = require('left-pad');\nconsole.log(leftPad('1', 3));\n" >"$d/app.js"
  capture missing_dependency node_require_package_not_installed "$d" 'node app.js'
}
cap_go_no_required_module() {
  have go || { skip go_no_required_module "no go"; return; }
  local d; d=$(proj go_no_required_module); gomod "$d"
  printf 'package main\n\nimport "github.com/example/nosuchdep"\n\nfunc main() { nosuchdep.Run() }\n' >"$d/main.go"
  capture missing_dependency go_build_no_required_module "$d" 'GOPROXY=off go build ./...'
}

# ============================================================ implementation_failure: missing implementations

cap_pytest_not_implemented() {
  "$PY" -m pytest --version >/dev/null 2>&1 || { skip pytest_not_implemented "no pytest for $PY"; return; }
  local d; d=$(proj pytest_not_implemented)
  printf 'def parse_port(s):\n    raise NotImplementedError\n' >"$d/ports.py"
  printf 'from ports import parse_port\n\n\ndef test_parse():\n    assert parse_port("80") == 80\n\n\ndef test_ok():\n    assert True\n' >"$d/test_ports.py"
  capture implementation_failure pytest_not_implemented "$d" "$PY -m pytest -p no:cacheprovider"
}
cap_pytest_not_implemented_short() {
  "$PY" -m pytest --version >/dev/null 2>&1 || { skip pytest_not_implemented_short "no pytest for $PY"; return; }
  local d; d=$(proj pytest_not_implemented_short)
  printf 'def parse_port(s):\n    raise NotImplementedError("parse_port")\n' >"$d/ports.py"
  printf 'from ports import parse_port\n\n\ndef test_parse():\n    assert parse_port("80") == 80\n' >"$d/test_ports.py"
  capture implementation_failure pytest_not_implemented_tb_short "$d" "$PY -m pytest -p no:cacheprovider --tb=short"
}
cap_unittest_not_implemented() {
  local d; d=$(proj unittest_not_implemented)
  printf 'import unittest\n\n\ndef parse_port(s):\n    raise NotImplementedError\n\n\nclass PortTest(unittest.TestCase):\n    def test_parse(self):\n        self.assertEqual(parse_port("80"), 80)\n' >"$d/test_ports.py"
  capture implementation_failure python_unittest_not_implemented "$d" "$PY -m unittest"
}
cap_cargo_test_todo() {
  have cargo || { skip cargo_test_todo "no cargo"; return; }
  local d; d=$(proj cargo_test_todo); cargo_proj "$d" demo
  cat >"$d/src/lib.rs" <<'RSEOF'
pub fn parse_port(_s: &str) -> u16 {
    todo!()
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses() {
        assert_eq!(super::parse_port("80"), 80);
    }
}
RSEOF
  capture implementation_failure cargo_test_todo "$d" 'cargo test --offline'
}

# ============================================================ test_failure

cap_pytest_assert() {
  "$PY" -m pytest --version >/dev/null 2>&1 || { skip pytest_assert "no pytest for $PY"; return; }
  local d; d=$(proj pytest_assert)
  cat >"$d/test_calc.py" <<'EOF'
def add(a, b):
    return a - b


def test_add():
    assert add(2, 3) == 5


def test_ok():
    assert add(2, 0) == 2
EOF
  capture test_failure pytest_assert "$d" "$PY -m pytest -p no:cacheprovider"
}
cap_pytest_unittest() {
  "$PY" -m pytest --version >/dev/null 2>&1 || { skip pytest_unittest "no pytest for $PY"; return; }
  local d; d=$(proj pytest_unittest)
  cat >"$d/test_names.py" <<'EOF'
import unittest


def slug(s):
    return s.lower()


class SlugTest(unittest.TestCase):
    def test_slug(self):
        self.assertEqual(slug("Hello World"), "hello-world")
EOF
  capture test_failure pytest_unittest_assertequal "$d" "$PY -m pytest -p no:cacheprovider"
}
cap_unittest() {
  local d; d=$(proj unittest_fail)
  cat >"$d/test_names.py" <<'EOF'
import unittest


def slug(s):
    return s.lower()


class SlugTest(unittest.TestCase):
    def test_slug(self):
        self.assertEqual(slug("Hello World"), "hello-world")

    def test_lower(self):
        self.assertTrue(slug("A") == "a")

    def test_error(self):
        self.assertIn("x", slug(None))
EOF
  capture test_failure python_unittest_fail "$d" "$PY -m unittest -v"
}
cap_go_test_errorf() {
  have go || { skip go_test_errorf "no go"; return; }
  local d; d=$(proj go_test_errorf); gomod "$d"
  printf 'package demo\n\nfunc Add(a, b int) int { return a - b }\n' >"$d/add.go"
  cat >"$d/add_test.go" <<'EOF'
package demo

import "testing"

func TestAdd(t *testing.T) {
	if got := Add(2, 3); got != 5 {
		t.Errorf("Add(2, 3) = %d, want 5", got)
	}
}

func TestAddZero(t *testing.T) {
	if got := Add(2, 0); got != 2 {
		t.Errorf("Add(2, 0) = %d, want 2", got)
	}
}
EOF
  capture test_failure go_test_errorf "$d" 'go test ./...'
}
cap_go_test_errorf_v() {
  have go || { skip go_test_errorf_v "no go"; return; }
  local d; d=$(proj go_test_errorf_v); gomod "$d"
  printf 'package demo\n\nfunc Add(a, b int) int { return a - b }\n' >"$d/add.go"
  cat >"$d/add_test.go" <<'EOF'
package demo

import "testing"

func TestAdd(t *testing.T) {
	cases := []struct{ a, b, want int }{{1, 1, 2}, {2, 0, 2}}
	for _, c := range cases {
		if got := Add(c.a, c.b); got != c.want {
			t.Errorf("Add(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
EOF
  capture test_failure go_test_errorf_verbose "$d" 'go test -v -count=1 ./...'
}
cap_go_test_panic() {
  have go || { skip go_test_panic "no go"; return; }
  local d; d=$(proj go_test_panic); gomod "$d"
  printf 'package demo\n\nfunc First(xs []string) string { return xs[0] }\n' >"$d/first.go"
  cat >"$d/first_test.go" <<'EOF'
package demo

import "testing"

func TestFirst(t *testing.T) {
	if First(nil) != "" {
		t.Fatal("want empty")
	}
}
EOF
  capture test_failure go_test_panic "$d" 'go test ./...'
}
cap_node_test() {
  have node || { skip node_test "no node"; return; }
  local d; d=$(proj node_test)
  cat >"$d/math.test.js" <<'EOF'
const test = require('node:test');
const assert = require('node:assert');

const add = (a, b) => a - b;

test('adds numbers', () => {
  assert.strictEqual(add(2, 3), 5);
});

test('adds zero', () => {
  assert.strictEqual(add(2, 0), 2);
});
EOF
  capture test_failure node_test_assert "$d" 'node --test'
}
cap_node_test_spec() {
  have node || { skip node_test_spec "no node"; return; }
  local d; d=$(proj node_test_spec)
  cat >"$d/math.test.js" <<'EOF'
const test = require('node:test');
const assert = require('node:assert');

test('deep equal config', () => {
  assert.deepStrictEqual({ retries: 3, backoff: 'exp' }, { retries: 5, backoff: 'exp' });
});
EOF
  capture test_failure node_test_assert_spec_reporter "$d" 'node --test --test-reporter=spec'
}
cap_cargo_test() {
  have cargo || { skip cargo_test "no cargo"; return; }
  local d; d=$(proj cargo_test); cargo_proj "$d" demo
  cat >"$d/src/lib.rs" <<'EOF'
pub fn add(a: i32, b: i32) -> i32 {
    a - b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds() {
        assert_eq!(add(2, 3), 5);
    }

    #[test]
    fn adds_zero() {
        assert_eq!(add(2, 0), 2);
    }
}
EOF
  capture test_failure cargo_test_assert_eq "$d" 'cargo test --offline'
}

# ============================================================ dependency_conflict

go_uuid_proj() { # DIR VERSION
  gomod "$1"
  printf '\nrequire github.com/google/uuid %s\n' "$2" >>"$1/go.mod"
  printf 'package main\n\nimport (\n\t"fmt"\n\n\t"github.com/google/uuid"\n)\n\nfunc main() { fmt.Println(uuid.NewString()) }\n' >"$1/main.go"
}
cap_go_missing_sum() {
  have go || { skip go_missing_sum "no go"; return; }
  local d; d=$(proj go_missing_sum); go_uuid_proj "$d" v1.6.0
  capture dependency_conflict go_build_missing_go_sum "$d" 'GOPROXY=off go build ./...'
}
cap_go_missing_sum_test() {
  have go || { skip go_missing_sum_test "no go"; return; }
  local d; d=$(proj go_missing_sum_test); go_uuid_proj "$d" v1.6.0
  printf 'package main\n\nimport "testing"\n\nfunc TestX(t *testing.T) {}\n' >"$d/main_test.go"
  capture dependency_conflict go_test_missing_go_sum "$d" 'GOPROXY=off go test ./...'
}
cap_go_unknown_version() {
  have go || { skip go_unknown_version "no go"; return; }
  local d; d=$(proj go_unknown_version); go_uuid_proj "$d" v1.99.0
  capture dependency_conflict go_unknown_revision_via_proxy "$d" 'GOFLAGS=-mod=mod go build ./...'
}
cap_go_invalid_major() {
  have go || { skip go_invalid_major "no go"; return; }
  local d; d=$(proj go_invalid_major); go_uuid_proj "$d" v9.9.9
  capture dependency_conflict go_invalid_major_version "$d" 'GOFLAGS=-mod=mod go build ./...'
}
cap_go_proxy_off() {
  have go || { skip go_proxy_off "no go"; return; }
  local d; d=$(proj go_proxy_off); gomod "$d"
  printf '\nrequire example.com/x v1.2.3\n' >>"$d/go.mod"
  printf 'package main\n\nimport "example.com/x"\n\nfunc main() { x.Run() }\n' >"$d/main.go"
  capture dependency_conflict go_mod_download_proxy_off "$d" 'GOPROXY=off GOFLAGS=-mod=mod go build ./...'
}
cap_go_toolchain() {
  have go || { skip go_toolchain "no go"; return; }
  local d; d=$(proj go_toolchain)
  printf 'module example.com/demo\n\ngo 1.99\n' >"$d/go.mod"
  printf 'package main\n\nfunc main() {}\n' >"$d/main.go"
  capture dependency_conflict go_toolchain_too_old "$d" 'GOTOOLCHAIN=local go build ./...'
}

cap_npm_eresolve() {
  have npm || { skip npm_eresolve "no npm"; return; }
  local d; d=$(proj npm_eresolve)
  printf '{ "name": "demo", "version": "1.0.0", "private": true }\n' >"$d/package.json"
  capture dependency_conflict npm_eresolve_peer_conflict "$d" 'npm install --no-audit --no-fund react@18 react-dom@17'
}
cap_npm_etarget() {
  have npm || { skip npm_etarget "no npm"; return; }
  local d; d=$(proj npm_etarget)
  printf '{ "name": "demo", "version": "1.0.0", "private": true }\n' >"$d/package.json"
  capture dependency_conflict npm_etarget_no_matching_version "$d" 'npm install --no-audit --no-fund left-pad@999.0.0'
}
cap_npm_e404() {
  have npm || { skip npm_e404 "no npm"; return; }
  local d; d=$(proj npm_e404)
  printf '{ "name": "demo", "version": "1.0.0", "private": true }\n' >"$d/package.json"
  capture dependency_conflict npm_e404_unknown_package "$d" 'npm install --no-audit --no-fund maestro-corpus-no-such-package-zz9'
}

cap_cargo_offline_missing() {
  have cargo || { skip cargo_offline_missing "no cargo"; return; }
  local d; d=$(proj cargo_offline_missing); cargo_proj "$d" demo
  printf 'serde = "1"\n' >>"$d/Cargo.toml"
  printf 'fn main() {}\n' >"$d/src/main.rs"
  # a private CARGO_HOME guarantees an empty registry cache
  capture dependency_conflict cargo_offline_no_matching_package "$d" 'CARGO_HOME=$PWD/.cargo-home cargo build --offline'
}
cap_cargo_version_mismatch() {
  have cargo || { skip cargo_version_mismatch "no cargo"; return; }
  local d; d=$(proj cargo_version_mismatch); cargo_proj "$d" app
  printf 'helper = { path = "helper", version = "2" }\n' >>"$d/Cargo.toml"
  printf 'fn main() { helper::hi(); }\n' >"$d/src/main.rs"
  cargo_proj "$d/helper" helper
  printf 'pub fn hi() {}\n' >"$d/helper/src/lib.rs"
  capture dependency_conflict cargo_failed_to_select_version "$d" 'cargo build --offline'
}
cap_cargo_conflicting_pins() {
  have cargo || { skip cargo_conflicting_pins "no cargo"; return; }
  local d; d=$(proj cargo_conflicting_pins); cargo_proj "$d" app
  # two path crates that both declare `links = "z"`: a native library may be
  # linked by only one package in the graph -> resolver conflict
  printf 'liba = { path = "liba" }\nlibb = { path = "libb" }\n' >>"$d/Cargo.toml"
  printf 'fn main() {}\n' >"$d/src/main.rs"
  for l in liba libb; do
    cargo_proj "$d/$l" "$l"
    sed -i "s/^edition = \"2021\"/edition = \"2021\"\nlinks = \"z\"/" "$d/$l/Cargo.toml"
    printf 'fn main() {}\n' >"$d/$l/build.rs"
    printf '\n' >"$d/$l/src/lib.rs"
  done
  capture dependency_conflict cargo_links_conflict "$d" 'cargo build --offline'
}

# Build a local wheel dir: pkgb 1.0 / 2.0, pkga needs pkgb==1.0, pkgc needs pkgb==2.0.
pip_wheels() { # DIR
  local d=$1 spec
  mkdir -p "$d/wheels"
  for spec in "pkgb 1.0 -" "pkgb 2.0 -" "pkga 1.0 pkgb==1.0" "pkgc 1.0 pkgb==2.0"; do
    set -- $spec
    local src="$d/src/$1-$2"
    mkdir -p "$src/$1"
    : >"$src/$1/__init__.py"
    local req="[]"; [ "$3" != "-" ] && req="['$3']"
    printf "from setuptools import setup\nsetup(name='%s', version='%s', packages=['%s'], install_requires=%s)\n" \
      "$1" "$2" "$1" "$req" >"$src/setup.py"
    env -u PIP_FIND_LINKS "$PIPPY" -m pip wheel -q --no-deps --no-index --no-build-isolation \
      -w "$d/wheels" "$src" >/dev/null 2>&1 || return 1
  done
}
cap_pip_conflict() {
  "$PIPPY" -m pip --version >/dev/null 2>&1 || { skip pip_conflict "no pip"; return; }
  local d; d=$(proj pip_conflict)
  pip_wheels "$d" || { skip pip_conflict "could not build local wheels (setuptools/wheel missing?)"; return; }
  capture dependency_conflict pip_resolution_impossible "$d" \
    "env -u PIP_FIND_LINKS $PIPPY -m pip download --no-index --find-links wheels -d dl pkga pkgc"
}
cap_pip_no_version() {
  "$PIPPY" -m pip --version >/dev/null 2>&1 || { skip pip_no_version "no pip"; return; }
  local d; d=$(proj pip_no_version)
  pip_wheels "$d" || { skip pip_no_version "could not build local wheels"; return; }
  capture dependency_conflict pip_no_matching_distribution "$d" \
    "env -u PIP_FIND_LINKS $PIPPY -m pip download --no-index --find-links wheels -d dl 'pkgb>=3'"
}

# ============================================================ command_not_found

cap_sh_not_found() {
  capture command_not_found sh_command_not_found "$(proj nf)" "sh -c 'nonexistent-cmd-xyz --version'"
}
cap_bash_not_found() {
  capture command_not_found bash_command_not_found "$(proj nf)" "bash -c 'nonexistent-cmd-xyz --version'"
}
cap_bash_script_not_found() {
  local d; d=$(proj nf_script)
  printf '#!/bin/bash\nset -e\necho building\nnonexistent-cmd-xyz build\necho done\n' >"$d/build.sh"
  capture command_not_found bash_script_command_not_found "$d" 'bash build.sh'
}
cap_sh_missing_path() {
  capture command_not_found sh_missing_script_path "$(proj nf)" "sh -c './missing-script.sh'"
}
cap_env_not_found() {
  capture command_not_found env_no_such_file "$(proj nf)" 'env nonexistent-cmd-xyz --version'
}
cap_make_not_found() {
  have make || { skip make_not_found "no make"; return; }
  local d; d=$(proj make_nf)
  printf 'all:\n\tnonexistent-cmd-xyz --build\n' >"$d/Makefile"
  capture command_not_found make_command_not_found "$d" 'make'
}
cap_py_subprocess_not_found() {
  local d; d=$(proj py_sub_nf)
  printf 'import subprocess\nsubprocess.run(["nonexistent-cmd-xyz", "--version"], check=True)\n' >"$d/run.py"
  capture command_not_found python_subprocess_file_not_found "$d" "$PY run.py"
}
cap_node_spawn_not_found() {
  have node || { skip node_spawn_not_found "no node"; return; }
  local d; d=$(proj node_spawn_nf)
  printf "const { execFileSync } = require('child_process');\nexecFileSync('nonexistent-cmd-xyz', ['--version']);\n" >"$d/run.js"
  capture command_not_found node_spawn_enoent "$d" 'node run.js'
}
cap_go_exec_not_found() {
  have go || { skip go_exec_not_found "no go"; return; }
  local d; d=$(proj go_exec_nf); gomod "$d"
  cat >"$d/main.go" <<'EOF'
package main

import (
	"log"
	"os/exec"
)

func main() {
	if err := exec.Command("nonexistent-cmd-xyz", "--version").Run(); err != nil {
		log.Fatal(err)
	}
}
EOF
  capture command_not_found go_exec_executable_not_found "$d" 'go run .'
}

cap_bash_bad_interpreter() {
  local d; d=$(proj noexec_interp)
  printf '#!/usr/bin/nonexistent-interp\necho hi\n' >"$d/run.sh"; chmod 755 "$d/run.sh"
  # bash 5.2 reports a missing #! interpreter as "required file not found", exit 127
  capture command_not_found bash_bad_interpreter "$d" "bash -c './run.sh'"
}
cap_sh_bad_interpreter() {
  local d; d=$(proj noexec_interp_sh)
  printf '#!/usr/bin/nonexistent-interp\necho hi\n' >"$d/run.sh"; chmod 755 "$d/run.sh"
  # dash says "not found" although ./run.sh exists (its interpreter does not)
  capture command_not_found sh_bad_interpreter "$d" "sh -c './run.sh'"
}

# ============================================================ not_executable

cap_sh_not_executable() {
  local d; d=$(proj noexec_sh)
  printf '#!/bin/sh\necho deploying\n' >"$d/script.sh"; chmod 644 "$d/script.sh"
  capture not_executable sh_permission_denied "$d" "sh -c './script.sh'"
}
cap_bash_not_executable() {
  local d; d=$(proj noexec_bash)
  printf '#!/bin/sh\necho deploying\n' >"$d/script.sh"; chmod 644 "$d/script.sh"
  capture not_executable bash_permission_denied "$d" "bash -c './script.sh'"
}
cap_bash_is_directory() {
  local d; d=$(proj noexec_dir)
  mkdir -p "$d/bin"
  capture not_executable bash_is_a_directory "$d" "bash -c './bin'"
}
cap_bash_exec_format() {
  local d; d=$(proj noexec_format)
  printf '\x7fELF\x02\x01\x01\x00garbage\x00\x00\x00' >"$d/tool"; chmod 755 "$d/tool"
  capture not_executable bash_exec_format_error "$d" "bash -c './tool'"
}
cap_py_subprocess_permission() {
  local d; d=$(proj py_sub_perm)
  printf '#!/bin/sh\necho hi\n' >"$d/script.sh"; chmod 644 "$d/script.sh"
  printf 'import subprocess\nsubprocess.run(["./script.sh"], check=True)\n' >"$d/run.py"
  capture not_executable python_subprocess_permission_error "$d" "$PY run.py"
}

# ============================================================ out_of_memory
#
# Memory is limited with `ulimit -v` (address space), a V8 heap flag, or a
# memory cgroup; nothing here really allocates more than ~100 MiB.

cap_py_memoryerror() {
  capture out_of_memory python_memoryerror_ulimit "$(proj py_oom)" \
    "sh -c 'ulimit -v 200000; $PY -c \"x = bytearray(2*10**9)\"'"
}
cap_node_heap_oom() {
  have node || { skip node_heap_oom "no node"; return; }
  capture out_of_memory node_javascript_heap_out_of_memory "$(proj node_oom)" \
    "node --max-old-space-size=16 -e 'let a=[]; while(true) a.push(new Array(1e6).fill(1))'"
}
go_oom_binary() { # DIR: build ./oomer, which allocates and touches 64 MiB blocks forever
  gomod "$1"
  cat >"$1/main.go" <<'EOF'
package main

import "fmt"

func main() {
	var chunks [][]byte
	for i := 0; ; i++ {
		b := make([]byte, 64<<20)
		for j := range b {
			b[j] = byte(i)
		}
		chunks = append(chunks, b)
		fmt.Println("allocated", (i+1)*64, "MiB")
	}
}
EOF
  (cd "$1" && go build -o oomer . >/dev/null 2>&1)
}
cap_go_oom() {
  have go || { skip go_oom "no go"; return; }
  local d; d=$(proj go_oom)
  go_oom_binary "$d" || { skip go_oom "go build failed"; return; }
  # ~600 MB of address space is reserved by the Go runtime at start-up, so
  # 800000 KiB leaves room for one 64 MiB block before the heap runs out.
  capture out_of_memory go_runtime_out_of_memory "$d" "sh -c 'ulimit -v 800000; ./oomer'"
}
cap_go_oom_startup() {
  have go || { skip go_oom_startup "no go"; return; }
  local d; d=$(proj go_oom_startup)
  go_oom_binary "$d" || { skip go_oom_startup "go build failed"; return; }
  # too small for the runtime's own start-up reservations
  capture out_of_memory go_runtime_reserve_failed_ulimit "$d" "sh -c 'ulimit -v 300000; ./oomer'"
}
cap_bash_xrealloc() {
  capture out_of_memory bash_xrealloc_cannot_allocate "$(proj bash_oom)" \
    'ulimit -v 60000; x=$(head -c 100000000 /dev/zero | tr "\0" a); echo ${#x}'
}
cap_sigkill_137() {
  # What an OOM kill looks like to a parent that prints nothing: no output at
  # all, only exit status 137 (128 + SIGKILL). Exit-code-only evidence.
  capture out_of_memory sigkill_exit_137_no_output "$(proj sigkill)" "sh -c 'kill -9 \$\$'"
}
# oom_cgroup: create a child memory cgroup (64 MiB, no swap) below this
# process's own cgroup (v1 or v2) and store its path in OOM_CGROUP.
oom_cgroup() {
  local rel cg
  if [ -d /sys/fs/cgroup/memory ] && rel=$(awk -F: '$2 == "memory" {print $3}' /proc/self/cgroup) && [ -n "$rel" ]; then
    cg=/sys/fs/cgroup/memory${rel%/}/corpus-oom.$$
    mkdir "$cg" 2>/dev/null || return 1
    OOM_CGROUP=$cg
    echo $((64 * 1024 * 1024)) >"$cg/memory.limit_in_bytes" || return 1
    if [ -e "$cg/memory.memsw.limit_in_bytes" ]; then
      echo $((64 * 1024 * 1024)) >"$cg/memory.memsw.limit_in_bytes" || return 1
    fi
  elif grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
    rel=$(awk -F: '$1 == "0" {print $3}' /proc/self/cgroup)
    cg=/sys/fs/cgroup${rel%/}/corpus-oom.$$
    mkdir "$cg" 2>/dev/null || return 1
    OOM_CGROUP=$cg
    echo $((64 * 1024 * 1024)) >"$cg/memory.max" || return 1
    if [ -e "$cg/memory.swap.max" ]; then echo 0 >"$cg/memory.swap.max" || return 1; fi
  else
    return 1
  fi
}
cap_cgroup_oom_kill() {
  oom_cgroup 2>/dev/null || { cleanup_cgroup; skip cgroup_oom_kill "cannot create a memory cgroup here"; return; }
  # bash moves itself into the cgroup and execs python3 (bash -c execs its
  # last command), which tries to use 512 MiB; the kernel OOM killer
  # SIGKILLs it at 64 MiB. Nothing is printed: the kernel's "Memory cgroup
  # out of memory: Killed process ..." line goes to dmesg only.
  export OOMCG=$OOM_CGROUP
  capture out_of_memory cgroup_oom_killer_no_output "$(proj cgroup_oom)" \
    "echo \$\$ > \"\$OOMCG/cgroup.procs\"; $PY -c \"x = bytearray(512 * 1024 * 1024)\""
  unset OOMCG
  cleanup_cgroup
}
cap_cgroup_oom_kill_script() {
  oom_cgroup 2>/dev/null || { cleanup_cgroup; skip cgroup_oom_kill_script "cannot create a memory cgroup here"; return; }
  local d; d=$(proj cgroup_oom_script)
  # Same real OOM kill, but python3 is not the script's last command, so
  # bash survives it and reports the SIGKILL ("Killed"); set -e then exits 137.
  cat >"$d/train.sh" <<EOF
#!/bin/bash
set -e
echo "loading dataset"
$PY -c "x = bytearray(512 * 1024 * 1024)"
echo "done"
EOF
  export OOMCG=$OOM_CGROUP
  capture out_of_memory cgroup_oom_killer_script_killed "$d" \
    "echo \$\$ > \"\$OOMCG/cgroup.procs\"; bash train.sh"
  unset OOMCG
  cleanup_cgroup
}

# ============================================================ disk_full
#
# Real ENOSPC: /dev/full always fails writes with ENOSPC; the tmpfs captures
# mount a tiny tmpfs (root only) inside the scratch dir and unmount it after.

cap_dd_dev_full() {
  capture disk_full dd_dev_full "$(proj dd_full)" 'dd if=/dev/zero of=/dev/full bs=1k count=1'
}
cap_sh_echo_dev_full() {
  # dash reports only "I/O error" (no ENOSPC wording at all)
  capture disk_full sh_echo_dev_full "$(proj sh_full)" "sh -c 'echo data > /dev/full'"
}
cap_bash_echo_dev_full() {
  capture disk_full bash_echo_dev_full "$(proj bash_full)" "bash -c 'echo data > /dev/full'"
}
cap_cp_dev_full() {
  local d; d=$(proj cp_full)
  printf 'build artifact\n' >"$d/somefile"
  capture disk_full cp_dev_full "$d" 'cp somefile /dev/full'
}
cap_py_dev_full() {
  local d; d=$(proj py_full)
  cat >"$d/save.py" <<'EOF'
def save(path, rows):
    with open(path, "w") as f:
        for row in rows:
            f.write(row + "\n")
        f.flush()


save("/dev/full", ["id,name", "1,alpha", "2,beta"])
EOF
  capture disk_full python_write_dev_full "$d" "$PY save.py"
}
cap_node_dev_full() {
  have node || { skip node_dev_full "no node"; return; }
  local d; d=$(proj node_full)
  cat >"$d/save.js" <<'EOF'
const fs = require('fs');
fs.writeFileSync('/dev/full', 'report data\n');
EOF
  capture disk_full node_write_dev_full "$d" 'node save.js'
}
cap_go_dev_full() {
  have go || { skip go_dev_full "no go"; return; }
  local d; d=$(proj go_full); gomod "$d"
  cat >"$d/main.go" <<'EOF'
package main

import (
	"log"
	"os"
)

func main() {
	if err := os.WriteFile("/dev/full", []byte("report data\n"), 0o644); err != nil {
		log.Fatal(err)
	}
}
EOF
  capture disk_full go_write_dev_full "$d" 'go run .'
}
# tiny_tmpfs DIR SIZE: mount a tmpfs of SIZE on DIR, remember it for cleanup
tiny_tmpfs() {
  mkdir -p "$1"
  mount -t tmpfs -o "size=$2" tmpfs "$1" 2>/dev/null || return 1
  MOUNTS+=("$1")
}
cap_cp_tmpfs_full() {
  local d; d=$(proj cp_tmpfs)
  tiny_tmpfs "$d/tiny" 64k || { skip cp_tmpfs_full "cannot mount tmpfs (not root?)"; return; }
  head -c 200000 /dev/urandom >"$d/big.bin"
  capture disk_full cp_tmpfs_no_space "$d" 'cp big.bin tiny/'
  cleanup_mounts
}
cap_tar_tmpfs_full() {
  local d; d=$(proj tar_tmpfs)
  tiny_tmpfs "$d/tiny" 64k || { skip tar_tmpfs_full "cannot mount tmpfs (not root?)"; return; }
  mkdir -p "$d/src/assets"
  head -c 300000 /dev/urandom >"$d/src/assets/data.bin"
  (cd "$d" && tar -cf release.tar src)
  # GNU tar prints a short-write message, not "No space left on device"
  capture disk_full tar_extract_tmpfs_short_write "$d" 'tar -xf release.tar -C tiny'
  cleanup_mounts
}
cap_git_commit_tmpfs_full() {
  have git || { skip git_commit_tmpfs_full "no git"; return; }
  local d; d=$(proj git_tmpfs)
  tiny_tmpfs "$d/repo" 256k || { skip git_commit_tmpfs_full "cannot mount tmpfs (not root?)"; return; }
  (cd "$d/repo" && git init -q . && printf 'hello\n' >README && git add README &&
    dd if=/dev/zero of=filler bs=4k 2>/dev/null; true)
  capture disk_full git_commit_tmpfs_no_space "$d/repo" \
    "git -c user.name=ci -c user.email=ci@example.com commit -m 'add readme'"
  cleanup_mounts
}

# ============================================================ permission_denied
#
# Real EACCES: root prepares root-owned files/dirs (mode 755/644), then the
# command runs as `nobody` via setpriv.

RUNAS="setpriv --reuid=nobody --regid=nogroup --clear-groups"
# perm_proj NAME: a scratch dir `nobody` can reach (mktemp -d makes $WORK 0700)
perm_proj() {
  chmod 755 "$WORK"
  local d; d=$(proj "$1"); chmod 755 "$d"; printf '%s\n' "$d"
}
have_runas() { [ "$(id -u)" = 0 ] && have setpriv && id nobody >/dev/null 2>&1 && getent group nogroup >/dev/null; }

cap_touch_eacces() {
  have_runas || { skip touch_eacces "no setpriv/nobody"; return; }
  local d; d=$(perm_proj touch_eacces); mkdir -p "$d/build"
  capture permission_denied touch_root_owned_dir "$d" "$RUNAS touch build/output.txt"
}
cap_mkdir_eacces() {
  have_runas || { skip mkdir_eacces "no setpriv/nobody"; return; }
  local d; d=$(perm_proj mkdir_eacces)
  capture permission_denied mkdir_root_owned_dir "$d" "$RUNAS mkdir -p dist/assets"
}
cap_cp_eacces() {
  have_runas || { skip cp_eacces "no setpriv/nobody"; return; }
  local d; d=$(perm_proj cp_eacces); mkdir -p "$d/deploy"; printf 'port=8080\n' >"$d/app.conf"
  capture permission_denied cp_root_owned_dir "$d" "$RUNAS cp app.conf deploy/"
}
cap_py_permissionerror() {
  have_runas || { skip py_permissionerror "no setpriv/nobody"; return; }
  local d; d=$(perm_proj py_eacces)
  printf '{"retries": 3}\n' >"$d/settings.json"
  cat >"$d/save.py" <<'EOF'
import json


def save(path, cfg):
    with open(path, "w") as f:
        json.dump(cfg, f)


save("settings.json", {"retries": 5})
EOF
  capture permission_denied python_permissionerror_open "$d" "$RUNAS $PY save.py"
}
cap_npm_eacces() {
  have_runas || { skip npm_eacces "no setpriv/nobody"; return; }
  have npm || { skip npm_eacces "no npm"; return; }
  local d; d=$(perm_proj npm_eacces)
  mkdir -p "$d/global" "$d/npm-cache"; chown nobody:nogroup "$d/npm-cache"
  # a global install whose prefix is root-owned (like /usr/lib/node_modules);
  # the prefix is a scratch dir so nothing outside it is touched
  capture permission_denied npm_install_global_eacces "$d" \
    "$RUNAS npm install -g --prefix ./global --cache ./npm-cache --no-audit --no-fund left-pad"
}
cap_pip_eacces() {
  have_runas || { skip pip_eacces "no setpriv/nobody"; return; }
  "$PIPPY" -m pip --version >/dev/null 2>&1 || { skip pip_eacces "no pip"; return; }
  local d; d=$(perm_proj pip_eacces)
  pip_wheels "$d" || { skip pip_eacces "could not build local wheels"; return; }
  chmod -R a+rX "$d/wheels"; mkdir -p "$d/site"
  capture permission_denied pip_install_prefix_permission "$d" \
    "env -u PIP_FIND_LINKS $RUNAS $PIPPY -m pip install --no-cache-dir --no-index --find-links wheels --prefix ./site pkgb"
}
cap_git_init_eacces() {
  have_runas || { skip git_init_eacces "no setpriv/nobody"; return; }
  have git || { skip git_init_eacces "no git"; return; }
  local d; d=$(perm_proj git_init_eacces)
  capture permission_denied git_init_root_owned_dir "$d" "$RUNAS git init repo"
}
git_root_repo() { # DIR: a root-owned repo with one commit and a modified README
  (cd "$1" && git init -q repo && cd repo && printf 'hello\n' >README && git add README &&
    git -c user.name=root -c user.email=root@example.com commit -qm init && printf 'more\n' >>README)
}
cap_git_commit_eacces() {
  have_runas || { skip git_commit_eacces "no setpriv/nobody"; return; }
  have git || { skip git_commit_eacces "no git"; return; }
  local d; d=$(perm_proj git_commit_eacces); git_root_repo "$d"
  # safe.directory='*' on the command line gets past the ownership check,
  # so git reaches the real write and fails on .git/index.lock
  capture permission_denied git_commit_index_lock "$d/repo" \
    "$RUNAS git -c safe.directory='*' -c user.name=ci -c user.email=ci@example.com commit -am wip"
}
cap_git_dubious_ownership() {
  have_runas || { skip git_dubious_ownership "no setpriv/nobody"; return; }
  have git || { skip git_dubious_ownership "no git"; return; }
  local d; d=$(perm_proj git_dubious); git_root_repo "$d"
  capture permission_denied git_dubious_ownership "$d/repo" "$RUNAS git add README"
}
cap_go_gocache_eacces() {
  have_runas || { skip go_gocache_eacces "no setpriv/nobody"; return; }
  have go || { skip go_gocache_eacces "no go"; return; }
  local d; d=$(perm_proj go_gocache_eacces); gomod "$d"
  printf 'package main\n\nfunc main() { println("hi") }\n' >"$d/main.go"
  mkdir -p "$d/gocache"
  capture permission_denied go_build_gocache_permission "$d" "$RUNAS env GOCACHE=\$PWD/gocache go build ./..."
}

# ============================================================ lint_failure

lint_py() { # DIR: a Python file with an unused import/variables, an undefined name, a style error
  cat >"$1/app.py" <<'EOF'
import os
import sys


def load(path):
    data = open(path).read()
    unused = 1
    return dta


def main():
    print(load(sys.argv[1]) )
EOF
}
cap_flake8() {
  "$PY" -m flake8 --version >/dev/null 2>&1 || { skip flake8 "no flake8 (apt-get install python3-flake8)"; return; }
  local d; d=$(proj flake8); lint_py "$d"
  capture lint_failure flake8_errors "$d" "$PY -m flake8 app.py"
}
cap_pyflakes() {
  have pyflakes3 || { skip pyflakes "no pyflakes3 (apt-get install pyflakes3)"; return; }
  local d; d=$(proj pyflakes); lint_py "$d"
  capture lint_failure pyflakes_errors "$d" 'pyflakes3 app.py'
}
cap_pycodestyle() {
  have pycodestyle || { skip pycodestyle "no pycodestyle (apt-get install pycodestyle)"; return; }
  local d; d=$(proj pycodestyle); lint_py "$d"
  capture lint_failure pycodestyle_errors "$d" 'pycodestyle app.py'
}
cap_pylint() {
  have pylint || { skip pylint "no pylint (apt-get install pylint)"; return; }
  local d; d=$(proj pylint); lint_py "$d"
  # a private PYLINTHOME: no "previous run" score from ~/.cache/pylint
  capture lint_failure pylint_errors "$d" 'PYLINTHOME=$PWD/.pylint.d pylint app.py'
}
cap_mypy() {
  have mypy || { skip mypy "no mypy (apt-get install mypy)"; return; }
  local d; d=$(proj mypy)
  cat >"$d/typed.py" <<'EOF'
def retries(n: int) -> int:
    return n * 2


def label(count: int) -> str:
    return count


total: int = retries("3")
EOF
  capture lint_failure mypy_type_errors "$d" 'mypy typed.py'
}
cap_shellcheck() {
  have shellcheck || { skip shellcheck "no shellcheck (apt-get install shellcheck)"; return; }
  local d; d=$(proj shellcheck)
  printf '#!/bin/bash\nfiles=$(ls *.txt)\nfor f in $files; do\n  cp $f /backup/\ndone\nif [ $USER == "root" ]; then\n  echo root\nfi\ncd /tmp/build\nrm -rf $TARGET/*\n' >"$d/deploy.sh"
  capture lint_failure shellcheck_warnings "$d" 'shellcheck deploy.sh'
}
eslint_proj() { # DIR: eslint@10 installed from npm, flat config with three core rules
  printf '{ "name": "demo", "version": "1.0.0", "private": true }\n' >"$1/package.json"
  (cd "$1" && npm install --no-audit --no-fund eslint@10 >/dev/null 2>&1) || return 1
  cat >"$1/eslint.config.js" <<'EOF'
module.exports = [
  {
    files: ["**/*.js"],
    languageOptions: { sourceType: "commonjs", globals: { require: "readonly", module: "writable", console: "readonly" } },
    rules: { "no-unused-vars": "error", "no-undef": "error", "prefer-const": "error" },
  },
];
EOF
}
cap_eslint() {
  have npm || { skip eslint "no npm"; return; }
  local d; d=$(proj eslint)
  eslint_proj "$d" || { skip eslint "npm install eslint failed"; return; }
  cat >"$d/app.js" <<'EOF'
const path = require('path');

function build(config) {
  let retries = 3;
  const unused = config.name;
  return retris + 1;
}

module.exports = { build };
EOF
  capture lint_failure eslint_errors "$d" 'npx eslint app.js'
}
cap_eslint_max_warnings() {
  have npm || { skip eslint_max_warnings "no npm"; return; }
  local d; d=$(proj eslint_warn)
  eslint_proj "$d" || { skip eslint_max_warnings "npm install eslint failed"; return; }
  printf 'const path = require("path");\n\nmodule.exports = { ok: true };\n' >"$d/app.js"
  capture lint_failure eslint_max_warnings "$d" 'npx eslint --rule "no-unused-vars: warn" --max-warnings 0 app.js'
}

# ============================================================ test_failure (more tools)

cap_jest() {
  have npm || { skip jest "no npm"; return; }
  local d; d=$(proj jest)
  # cacheDirectory inside the scratch dir (default is /tmp/jest_*)
  printf '{ "name": "demo", "version": "1.0.0", "private": true, "jest": { "cacheDirectory": "./.jest-cache" } }\n' >"$d/package.json"
  (cd "$d" && npm install --no-audit --no-fund jest@30 >/dev/null 2>&1) || { skip jest "npm install jest failed"; return; }
  printf 'function sum(a, b) {\n  return a - b;\n}\nmodule.exports = sum;\n' >"$d/sum.js"
  cat >"$d/sum.test.js" <<'EOF'
const sum = require('./sum');

test('adds 1 + 2 to equal 3', () => {
  expect(sum(1, 2)).toBe(3);
});

test('adds 2 + 0', () => {
  expect(sum(2, 0)).toBe(2);
});

test('config object', () => {
  expect({ retries: sum(5, 2), backoff: 'exp' }).toEqual({ retries: 7, backoff: 'exp' });
});
EOF
  capture test_failure jest_expect_failed "$d" 'npx jest'
}
cap_mocha() {
  have npm || { skip mocha "no npm"; return; }
  local d; d=$(proj mocha)
  printf '{ "name": "demo", "version": "1.0.0", "private": true }\n' >"$d/package.json"
  (cd "$d" && npm install --no-audit --no-fund mocha@12 >/dev/null 2>&1) || { skip mocha "npm install mocha failed"; return; }
  mkdir -p "$d/test"
  cat >"$d/test/sum.test.js" <<'EOF'
const assert = require('assert');

const sum = (a, b) => a - b;

describe('sum', function () {
  it('adds 1 + 2', function () {
    assert.strictEqual(sum(1, 2), 3);
  });

  it('adds zero', function () {
    assert.strictEqual(sum(2, 0), 2);
  });

  it('builds config', function () {
    assert.deepStrictEqual({ retries: sum(5, 2) }, { retries: 7 });
  });
});
EOF
  # mocha's exit status is the number of failed tests (here 2)
  capture test_failure mocha_assert "$d" 'npx mocha'
}
cap_pytest_raises() {
  "$PY" -m pytest --version >/dev/null 2>&1 || { skip pytest_raises "no pytest for $PY"; return; }
  local d; d=$(proj pytest_raises)
  cat >"$d/test_parse.py" <<'EOF'
import pytest


def parse_port(s):
    return int(s) if s.isdigit() else 0


def test_rejects_garbage():
    with pytest.raises(ValueError):
        parse_port("abc")


def test_ok():
    assert parse_port("80") == 80
EOF
  capture test_failure pytest_did_not_raise "$d" "$PY -m pytest -p no:cacheprovider"
}
cap_pytest_fixture_error() {
  "$PY" -m pytest --version >/dev/null 2>&1 || { skip pytest_fixture_error "no pytest for $PY"; return; }
  local d; d=$(proj pytest_fixture)
  cat >"$d/test_db.py" <<'EOF'
import pytest


@pytest.fixture
def db():
    raise RuntimeError("could not open test database")


def test_query(db):
    assert db.execute("SELECT 1")


def test_ok():
    assert 1 + 1 == 2
EOF
  capture test_failure pytest_fixture_error "$d" "$PY -m pytest -p no:cacheprovider"
}

# ---------------------------------------------------------------- main

if [ $# -gt 0 ]; then
  fns=("$@")
else
  mapfile -t fns < <(declare -F | awk '{print $3}' | grep '^cap_')
fi
for fn in "${fns[@]}"; do
  "$fn"
done
