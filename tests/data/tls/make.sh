#!/bin/sh
# Makes the TLS test material of tests/cli/test_url_tls.sh (see README.md):
# a test CA, and two server certificates it signs, each valid for 100 years.
# Run once, from anywhere; it rewrites the files next to it.  The CA's key
# is thrown away, so nothing else can ever be signed by this CA.
set -eu
cd "$(dirname "$0")"
days=36500
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tmp/ca.key" -out ca.pem -days "$days" \
    -subj "/CN=imgpipe test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign"

# server NAME SUBJECT_ALT_NAME: NAME.key and NAME.pem, signed by the CA.
server()
{
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$1.key" -out "$tmp/$1.csr" -subj "/CN=$1"
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
	    "$2" >"$tmp/$1.ext"
	openssl x509 -req -in "$tmp/$1.csr" -CA ca.pem -CAkey "$tmp/ca.key" \
	    -CAcreateserial -CAserial "$tmp/ca.srl" -days "$days" \
	    -extfile "$tmp/$1.ext" -out "$1.pem"
}

server wrong-name DNS:wrong.invalid
server ip IP:127.0.0.1
chmod 644 ./*.key
