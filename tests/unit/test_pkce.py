import re

import pytest

from hfsignin.pkce import generate_verifier, is_valid_verifier, random_token, s256_challenge


def test_case_01_rfc7636_appendix_b_vector():
    assert s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_case_01_verifier_shape_and_entropy():
    verifiers = {generate_verifier() for _ in range(200)}
    assert len(verifiers) == 200
    for v in verifiers:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", v)  # 32 random bytes = 256 bits
        assert is_valid_verifier(v)


@pytest.mark.parametrize("bad", ["short", "x" * 129, "a" * 42, "has space" + "a" * 40, "é" * 43, "", None])
def test_invalid_verifiers_are_refused(bad):
    assert not is_valid_verifier(bad)
    if isinstance(bad, str):
        with pytest.raises(ValueError):
            s256_challenge(bad)


def test_random_tokens_are_url_safe_and_distinct():
    tokens = [random_token() for _ in range(100)]
    assert len(set(tokens)) == 100
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", t) for t in tokens)
