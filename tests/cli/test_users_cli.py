"""``nightshift users`` for signers: the full name shown in signatures and the approval roles held."""

from __future__ import annotations


def test_a_signer_gets_a_full_name_and_approval_roles(nightshift):
    nightshift.ok("users", "add", "ann.smith", "--role", "approver", "--full-name", "Ann Smith",
                  "--signs-as", "Team manager", "--signs-as", "Budget holder",
                  env={"NIGHTSHIFT_USER_PASSWORD": "correct horse battery"})
    (ann,) = nightshift.ok("users", "list", "--json").json()
    assert (ann["name"], ann["role"], ann["full_name"], ann["signs_as"]) == (
        "ann.smith", "approver", "Ann Smith", ["Team manager", "Budget holder"])

    said = nightshift.ok("users", "set-signing", "ann.smith", "--signs-as", "Head of service").out
    assert "ann.smith signs as Head of service, named Ann Smith" in said
    (ann,) = nightshift.ok("users", "list", "--json").json()
    assert (ann["full_name"], ann["signs_as"]) == ("Ann Smith", ["Head of service"])  # the name is kept

    nightshift.ok("users", "set-signing", "ann.smith", "--none")
    assert nightshift.ok("users", "list", "--json").json()[0]["signs_as"] == []
    table = nightshift.ok("users", "list").out
    assert "Ann Smith" in table


def test_bad_signing_input_is_refused_with_one_line(nightshift):
    assert "no user named 'nobody'" in nightshift.bad("users", "set-signing", "nobody", "--signs-as", "Team manager")
    nightshift.ok("users", "add", "bob", "--role", "approver", env={"NIGHTSHIFT_USER_PASSWORD": "correct horse battery"})
    assert "give --signs-as or --none" in nightshift.bad("users", "set-signing", "bob", "--none", "--signs-as", "x")
    assert "at most 100 characters" in nightshift.bad("users", "set-signing", "bob", "--signs-as", "x" * 101)
