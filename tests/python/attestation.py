"""A vital certificate through the in-toto attestation framework's own code.

    attestation.py validate STATEMENT
        Parses the statement with in-toto-attestation (the in-toto Statement v1
        protobuf and its validate()) and the SLSA Verification Summary v1 predicate
        (its protobuf, and the fields the SLSA spec requires). Exit 0 when valid.

    attestation.py sign-verify STATEMENT DIR
        Signs the statement offline as a DSSE envelope with a new ed25519 key
        (securesystemslib), writes the key and the envelope to DIR, reads them back
        and verifies the signature; then checks that a changed payload and another
        key are refused. Exit 0 when all of that holds.

Needs `python3 -m pip install in-toto-attestation 'securesystemslib[crypto]'`
(`cargo xtask test` installs them).
"""

import base64
import json
import sys

VSA_V1 = "https://slsa.dev/verification_summary/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"


def validate(text):
    from google.protobuf import json_format
    from in_toto_attestation.predicates.vsa.v1 import vsa_pb2
    from in_toto_attestation.v1 import statement_pb2
    from in_toto_attestation.v1.statement import Statement

    pb = json_format.Parse(text, statement_pb2.Statement())
    Statement.copy_from_pb(pb).validate()
    if pb.predicate_type != VSA_V1:
        raise ValueError(f"predicateType is {pb.predicate_type!r}, not a VSA v1")
    predicate = json.loads(text)["predicate"]
    # The SLSA spec makes verifiedLevels an array; the 0.9.3 proto has a string
    # (in-toto/attestation#425): checked here, parsed without it.
    levels = predicate.pop("verifiedLevels", None)
    vsa = json_format.ParseDict(predicate, vsa_pb2.VerificationSummary(), ignore_unknown_fields=True)
    required = [
        ("verifier.id", vsa.verifier.id),
        ("timeVerified", vsa.HasField("time_verified")),
        ("resourceUri", vsa.resource_uri),
        ("policy.uri", vsa.policy.uri),
        ("verificationResult", vsa.verification_result),
        ("verifiedLevels", levels is not None),
    ]
    missing = [name for name, present in required if not present]
    if missing:
        raise ValueError(f"VSA v1 misses required fields: {missing}")
    if vsa.verification_result not in ("PASSED", "FAILED"):
        raise ValueError(f"verificationResult is {vsa.verification_result!r}")
    if not (isinstance(levels, list) and all(isinstance(level, str) for level in levels)):
        raise ValueError(f"verifiedLevels is not an array of strings: {levels!r}")
    if any(level.startswith("SLSA_") for level in levels if not level.startswith("SLSA_BUILD_LEVEL_")):
        raise ValueError(f"custom levels must not start with SLSA_: {levels!r}")
    for attestation in vsa.input_attestations:
        if not attestation.digest:
            raise ValueError(f"input attestation without a digest: {attestation}")
    if not vsa.policy.digest:
        raise ValueError("the policy has no digest")
    return vsa, levels


def sign_verify(text, directory):
    from securesystemslib.dsse import Envelope
    from securesystemslib.exceptions import VerificationError
    from securesystemslib.signer import CryptoSigner, Signer, SSlibKey

    signer = CryptoSigner.generate_ed25519()
    key_path = f"{directory}/key.pem"
    public_path = f"{directory}/key.pub.json"
    with open(key_path, "wb") as f:
        f.write(signer.private_bytes)
    with open(public_path, "w") as f:
        json.dump({"keyid": signer.public_key.keyid, "key": signer.public_key.to_dict()}, f)

    # Sign with the key read back from its file, as a CI step would.
    with open(public_path) as f:
        saved = json.load(f)
    public = SSlibKey.from_dict(saved["keyid"], saved["key"])
    signer = Signer.from_priv_key_uri(f"file2:{key_path}", public)
    envelope = Envelope(payload=text.encode(), payload_type=PAYLOAD_TYPE, signatures={})
    envelope.sign(signer)
    wire = json.dumps(envelope.to_dict())
    with open(f"{directory}/statement.dsse.json", "w") as f:
        f.write(wire)

    received = Envelope.from_dict(json.loads(wire))
    accepted = received.verify([public], threshold=1)
    if public.keyid not in accepted:
        raise ValueError(f"the signature was not accepted: {accepted}")
    if received.payload.decode() != text:
        raise ValueError("the verified payload is not the statement")
    print(f"signed and verified: keyid {public.keyid}")

    tampered = json.loads(wire)
    payload = json.loads(base64.b64decode(tampered["payload"]))
    payload["predicate"]["verifiedLevels"].append("VITAL_FORGED")
    tampered["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
    try:
        Envelope.from_dict(tampered).verify([public], threshold=1)
        raise ValueError("a changed payload was accepted")
    except VerificationError:
        print("a changed payload is refused")

    other = CryptoSigner.generate_ed25519().public_key
    try:
        Envelope.from_dict(json.loads(wire)).verify([other], threshold=1)
        raise ValueError("another key was accepted")
    except VerificationError:
        print("another key is refused")


def main(argv):
    if len(argv) < 3 or argv[1] not in ("validate", "sign-verify"):
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[2]) as f:
        text = f.read()
    try:
        if argv[1] == "validate":
            vsa, levels = validate(text)
            print(f"valid: {vsa.verification_result} {' '.join(levels)}")
        else:
            validate(text)
            sign_verify(text, argv[3])
    except Exception as err:  # noqa: BLE001 - every failure is the test's answer
        print(f"invalid: {type(err).__name__}: {err}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
