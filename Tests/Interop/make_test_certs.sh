#!/usr/bin/env bash
# Writes a test PKI into $1 with openssl (P-256 keys), for the TLS tests and interop runs:
#   ca.pem ca.key            the test CA
#   server.pem server.key    localhost, 127.0.0.1 and *.test.example.com (for --server_host_override)
#   client.pem client.key    a client certificate from the same CA (mutual TLS)
#   other-ca.pem             a CA that signed nothing here (a client trusting it rejects the server)
#   rogue.pem rogue.key      a client certificate from that other CA (a server rejects it)
#   expired.pem expired.key  a server certificate from the test CA that expired yesterday
#   named.pem named.key      *.test.example.com only, no address (a client must check the name)
set -euo pipefail
out="$1"
mkdir -p "$out"
cd "$out"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ca() {  # ca NAME CN
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 30 -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}
leaf() {  # leaf NAME CA DAYS USAGE [SAN]
  key "$1.key"
  openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$1" 2>/dev/null
  {
    echo "basicConstraints=CA:FALSE"
    echo "extendedKeyUsage=$4"
    [ -z "${5:-}" ] || echo "subjectAltName=$5"
  } > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -out "$1.pem" -days "$3" -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
ca ca "Courier Test CA"
ca other-ca "Another Test CA"
leaf server ca 30 serverAuth "DNS:localhost,IP:127.0.0.1,DNS:*.test.example.com"
leaf expired ca -1 serverAuth "DNS:localhost,IP:127.0.0.1"
leaf named ca 30 serverAuth "DNS:*.test.example.com"
leaf client ca 30 clientAuth
leaf rogue other-ca 30 clientAuth
