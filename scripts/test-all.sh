#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what the tests need when missing, then
# typechecks, lints and runs every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v etcd >/dev/null 2>&1 || need_apt+=(etcd-server etcd-client)
[ -x /usr/share/zookeeper/bin/zkServer.sh ] || need_apt+=(zookeeperd)
command -v iptables >/dev/null 2>&1 || need_apt+=(iptables)
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# Debian's kubernetes-client (kubectl 1.20) ships /usr/bin/kubectl, which clashes with the gcloud
# kubectl dispatcher on these machines; unpack it beside it instead of installing over it.
if [ ! -x /opt/kubectl-1.20/usr/bin/kubectl ]; then
  echo "unpacking kubernetes-client (kubectl 1.20) into /opt/kubectl-1.20"
  [ -n "$(apt-cache policy kubernetes-client 2>/dev/null | grep Candidate)" ] || apt-get update -qq
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq kubernetes-client && mkdir -p /opt/kubectl-1.20 && dpkg-deb -x kubernetes-client_*.deb /opt/kubectl-1.20)
  rm -rf "$tmp"
fi

[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund
npm run build
npm run typecheck
npm run lint
npx jest --ci "$@"
