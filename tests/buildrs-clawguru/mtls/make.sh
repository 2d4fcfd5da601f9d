#!/bin/sh
# Makes the test CA and the server and client certificates of the mutual TLS
# test (src/security.rs): P-256 keys, valid for 100 years. Test keys only.
set -eu
cd "$(dirname "$0")"
openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out ca.key
openssl req -x509 -new -key ca.key -subj "/CN=clawgen test CA" -days 36500 -config ca.cnf -extensions ca -out ca.pem
for who in server client; do
  openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out "$who.key"
  openssl req -new -key "$who.key" -subj "/CN=clawgen test $who" -config ca.cnf -out "$who.csr"
  openssl x509 -req -in "$who.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 36500 -extfile ca.cnf -extensions "$who" -out "$who.pem"
  rm "$who.csr"
done
rm -f ca.key ca.srl
