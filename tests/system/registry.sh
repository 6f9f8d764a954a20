# shellcheck shell=bash
# A real registry for the pull/push tests: Debian's docker-registry (the CNCF
# distribution registry) on 127.0.0.1 at a free port, storage in $TEST_TMP.
# Source it from a test file's setup; call stop_registry from teardown.
#
#   start_registry [--tls] [--auth|--token]
#                                     sets REGISTRY (host:port), REGISTRY_DIR
#                                     (its storage), and with --tls CERT_DIR
#                                     (holding ca.crt); --auth: htpasswd with
#                                     user $REG_USER, password $REG_PASS;
#                                     --token: token auth, the tokens from
#                                     tokenserver.py (same user, and
#                                     $REG_READER with pull only; anonymous
#                                     gets tokens granting nothing), which
#                                     logs each request to $TOKEN_LOG
#                                     ($TOKEN_ISSUER: another issuer name in
#                                     its tokens, which the registry refuses)
#   push_fixture SOURCE NAME[:TAG]    skopeo copy of a fixture into it
#   start_proxy MODE FAIL [OPTION...] faultproxy.py in front of it at PROXY

REG_USER=roostuser
REG_PASS=s3cret-Pa55word
# With --token only: a second user, whom the token server grants pull only.
REG_READER=roostreader
REG_READER_PASS=r3ad-0nly-Pa55

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_registry() {
  local tls=0 auth=0 token=0 a
  for a; do
    case $a in
      --tls) tls=1 ;;
      --auth) auth=1 ;;
      --token) token=1 ;;
    esac
  done
  command -v docker-registry >/dev/null || skip "docker-registry is not installed (setup/deps)"
  local port
  port=$(free_port)
  REGISTRY=127.0.0.1:$port
  REGISTRY_DIR=$TEST_TMP/registry
  mkdir -p "$REGISTRY_DIR/storage"
  local conf=$REGISTRY_DIR/config.yml
  cat >"$conf" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR/storage
  delete:
    enabled: true
http:
  addr: $REGISTRY
YAML
  if ((tls)); then
    CERT_DIR=$TEST_TMP/certs
    mkdir -p "$CERT_DIR"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=roost test CA" \
      -keyout "$REGISTRY_DIR/ca.key" -out "$CERT_DIR/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
      -keyout "$REGISTRY_DIR/server.key" -out "$REGISTRY_DIR/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\n' >"$REGISTRY_DIR/ext.cnf"
    openssl x509 -req -in "$REGISTRY_DIR/server.csr" -CA "$CERT_DIR/ca.crt" -CAkey "$REGISTRY_DIR/ca.key" \
      -CAcreateserial -days 2 -extfile "$REGISTRY_DIR/ext.cnf" -out "$REGISTRY_DIR/server.crt" 2>/dev/null
    cat >>"$conf" <<YAML
  tls:
    certificate: $REGISTRY_DIR/server.crt
    key: $REGISTRY_DIR/server.key
YAML
  fi
  if ((auth)); then
    command -v htpasswd >/dev/null || skip "htpasswd is not installed (apache2-utils, setup/deps)"
    htpasswd -Bbc "$REGISTRY_DIR/htpasswd" "$REG_USER" "$REG_PASS" 2>/dev/null
    cat >>"$conf" <<YAML
auth:
  htpasswd:
    realm: roost-test
    path: $REGISTRY_DIR/htpasswd
YAML
  fi
  ((token)) && start_token_server "$conf"
  # The registry takes REGISTRY_* variables as configuration (REGISTRY_AUTH_FILE!).
  env -u REGISTRY_AUTH_FILE docker-registry serve "$conf" >"$REGISTRY_DIR/log" 2>&1 &
  REGISTRY_PID=$!
  local scheme=http i
  ((tls)) && scheme=https
  for ((i = 0; i < 100; i++)); do
    if curl -sk -o /dev/null "$scheme://$REGISTRY/v2/"; then return 0; fi
    kill -0 "$REGISTRY_PID" 2>/dev/null || break
    sleep 0.1
  done
  fail "the registry did not start: $(cat "$REGISTRY_DIR/log")"
}

# start_token_server CONF: tokenserver.py with a certificate made here, and
# CONF's auth section pointing the registry at it.
start_token_server() {
  local conf=$1 i
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=roost test token signer" \
    -keyout "$REGISTRY_DIR/token.key" -out "$REGISTRY_DIR/token.crt" 2>/dev/null ||
    fail "openssl could not make the token signing certificate"
  TOKEN_LOG=$REGISTRY_DIR/token.log
  (
    umask 077
    printf '%s %s pull,push\n%s %s pull\n' "$REG_USER" "$REG_PASS" "$REG_READER" "$REG_READER_PASS" \
      >"$REGISTRY_DIR/token-users"
  )
  python3 "${BASH_SOURCE[0]%/*}/tokenserver.py" --users "$REGISTRY_DIR/token-users" \
    --key "$REGISTRY_DIR/token.key" --cert "$REGISTRY_DIR/token.crt" --issuer "${TOKEN_ISSUER:-roost-test-issuer}" \
    --service roost-test-registry --port-file "$REGISTRY_DIR/token.port" 2>>"$TOKEN_LOG" &
  TOKEN_PID=$!
  for ((i = 0; i < 100; i++)); do
    [[ -s $REGISTRY_DIR/token.port ]] && break
    kill -0 "$TOKEN_PID" 2>/dev/null || break
    sleep 0.1
  done
  [[ -s $REGISTRY_DIR/token.port ]] || fail "the token server did not start: $(cat "$TOKEN_LOG")"
  TOKEN_REALM=http://127.0.0.1:$(<"$REGISTRY_DIR/token.port")/token
  cat >>"$conf" <<YAML
auth:
  token:
    realm: $TOKEN_REALM
    service: roost-test-registry
    issuer: roost-test-issuer
    rootcertbundle: $REGISTRY_DIR/token.crt
YAML
}

# expire_next_token: the token server's next token has expired.
expire_next_token() {
  local i
  kill -USR1 "$TOKEN_PID"
  for ((i = 0; i < 100; i++)); do
    grep -q '^next token expired$' "$TOKEN_LOG" && return 0
    sleep 0.1
  done
  fail "the token server did not take SIGUSR1"
}

# start_proxy MODE FAIL [OPTION...]: faultproxy.py in front of the registry,
# at PROXY (host:port), spoiling the first FAIL GETs of each blob (its other
# options after that); stop_registry stops it too.
start_proxy() {
  python3 "${BASH_SOURCE[0]%/*}/faultproxy.py" --upstream "$REGISTRY" --mode "$1" --fail "$2" "${@:3}" \
    --port-file "$TEST_TMP/proxy.port" 2>"$TEST_TMP/proxy.log" &
  PROXY_PID=$!
  local i
  for ((i = 0; i < 100; i++)); do
    if [[ -s $TEST_TMP/proxy.port ]]; then
      PROXY=127.0.0.1:$(<"$TEST_TMP/proxy.port")
      curl -s -o /dev/null "http://$PROXY/v2/" && return 0
    fi
    sleep 0.1
  done
  fail "the fault proxy did not start: $(cat "$TEST_TMP/proxy.log")"
}

stop_registry() {
  if [[ -n ${PROXY_PID-} ]]; then
    kill "$PROXY_PID" 2>/dev/null
    wait "$PROXY_PID" 2>/dev/null
    PROXY_PID=
  fi
  if [[ -n ${TOKEN_PID-} ]]; then
    kill "$TOKEN_PID" 2>/dev/null
    wait "$TOKEN_PID" 2>/dev/null
    TOKEN_PID=
  fi
  if [[ -n ${REGISTRY_PID-} ]]; then
    kill "$REGISTRY_PID" 2>/dev/null
    wait "$REGISTRY_PID" 2>/dev/null
    REGISTRY_PID=
  fi
}

# push_fixture SOURCE NAME[:TAG] [skopeo copy options...]
push_fixture() {
  local src=$1 dest=$2
  shift 2
  local creds=()
  [[ -f $REGISTRY_DIR/htpasswd || -f $REGISTRY_DIR/token.crt ]] && creds=(--dest-creds "$REG_USER:$REG_PASS")
  skopeo --insecure-policy copy --quiet --dest-tls-verify=false "${creds[@]}" "$@" "$src" "docker://$REGISTRY/$dest" ||
    fail "skopeo copy $src to $REGISTRY/$dest failed"
}

# blob_file DIGEST: the registry's file for a blob.
blob_file() {
  local hex=${1#sha256:}
  echo "$REGISTRY_DIR/storage/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data"
}
