import pytest

from hfsignin.errors import SignInError
from hfsignin.pkce import generate_verifier, random_token
from hfsignin.storage import MemoryStorage
from hfsignin.transaction import MAX_PENDING, PREFIX, TTL_SECONDS, Transaction, TransactionStore


class Clock:
    def __init__(self, t=1_800_000_000.0):
        self.t = t

    def __call__(self):
        return self.t


def make(clock, **over):
    fields = dict(state=random_token(), nonce=random_token(), code_verifier=generate_verifier(),
                  redirect_uri="http://127.0.0.1:8000/", issuer="https://hub", client_id="cid",
                  scopes=("openid", "profile"), created_at=clock())
    fields.update(over)
    return Transaction(**fields)


def test_case_12_save_then_take_is_single_use():
    clock, storage = Clock(), MemoryStorage()
    store = TransactionStore(storage, clock)
    tx = make(clock, return_to="/x", org_ids=("abc",), prompt="consent")
    store.save(tx)
    assert storage.keys() == [PREFIX + tx.state]
    assert store.take(tx.state) == tx
    assert storage.keys() == []
    with pytest.raises(SignInError) as e:
        store.take(tx.state)
    assert e.value.code == "transaction_missing"


def test_case_33_two_attempts_do_not_clobber_each_other():
    clock = Clock()
    store = TransactionStore(MemoryStorage(), clock)
    a, b = make(clock), make(clock)
    store.save(a)
    store.save(b)
    assert store.take(b.state) == b
    assert store.take(a.state) == a


def test_case_04_unknown_state_with_a_pending_sign_in_is_a_mismatch():
    clock = Clock()
    store = TransactionStore(MemoryStorage(), clock)
    tx = make(clock)
    store.save(tx)
    for bad in (random_token(), None, "", "../../etc", "x" * 43 + "!"):
        with pytest.raises(SignInError) as e:
            store.take(bad)
        assert e.value.code == "state_mismatch"
    assert store.take(tx.state) == tx  # the real one is still there


def test_case_05_no_pending_sign_in_is_transaction_missing():
    store = TransactionStore(MemoryStorage(), Clock())
    with pytest.raises(SignInError) as e:
        store.take(random_token())
    assert e.value.code == "transaction_missing"


def test_stale_transactions_expire():
    clock = Clock()
    store = TransactionStore(MemoryStorage(), clock)
    tx = make(clock)
    store.save(tx)
    clock.t += TTL_SECONDS + 1
    with pytest.raises(SignInError) as e:
        store.take(tx.state)
    assert e.value.code == "transaction_missing"
    assert store.pending() == []


def test_pending_count_is_bounded():
    clock, storage = Clock(), MemoryStorage()
    store = TransactionStore(storage, clock)
    for _ in range(MAX_PENDING + 5):
        clock.t += 1
        store.save(make(clock))
    assert len(storage.keys()) <= MAX_PENDING + 1


def test_tampered_storage_is_not_trusted():
    clock, storage = Clock(), MemoryStorage()
    store = TransactionStore(storage, clock)
    tx = make(clock)
    store.save(tx)
    storage.set(PREFIX + tx.state, storage.get(PREFIX + tx.state).replace(tx.code_verifier, "short"))
    with pytest.raises(SignInError):
        store.take(tx.state)
    storage.set(PREFIX + "x" * 43, "{not json")
    with pytest.raises(SignInError):
        store.take("x" * 43)


def test_repr_hides_the_verifier():
    tx = make(Clock())
    assert tx.code_verifier not in repr(tx) and tx.nonce not in repr(tx)


def test_clear():
    clock, storage = Clock(), MemoryStorage({"other": "1"})
    store = TransactionStore(storage, clock)
    store.save(make(clock))
    store.clear()
    assert storage.keys() == ["other"]
