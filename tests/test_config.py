"""Provider configuration: stack config, then environment, then defaults; errors name key and variable."""

from __future__ import annotations

import pytest

from pulumi_mailboxorg.config import DEFAULT_ENDPOINT, SETTINGS, ProviderConfig
from pulumi_mailboxorg.dnscheck import Nameserver
from pulumi_mailboxorg.errors import ConfigurationError


def test_defaults_apply_when_nothing_is_set():
    config = ProviderConfig.load(lambda key: None, {})
    assert config.endpoint == DEFAULT_ENDPOINT
    assert config.verification_timeout == 600
    assert config.dns_nameservers == ()
    assert config.rate_limit == 10


def test_stack_config_wins_over_the_environment():
    stack = {"mailboxorg:endpoint": "http://127.0.0.1:1/v1/", "mailboxorg:username": "stack-user"}
    env = {
        "MAILBOXORG_ENDPOINT": "https://env.invalid/v1/",
        "MAILBOXORG_USERNAME": "env-user",
        "MAILBOXORG_PASSWORD": "env-pass",
    }
    config = ProviderConfig.load(stack.get, env)
    assert config.endpoint == "http://127.0.0.1:1/v1/"
    assert config.require_credentials() == ("stack-user", "env-pass")


def test_every_setting_falls_back_to_its_environment_variable():
    env = {
        "MAILBOXORG_ENDPOINT": "http://127.0.0.1:9/v1/",
        "MAILBOXORG_USERNAME": "u",
        "MAILBOXORG_PASSWORD": "p",
        "MAILBOXORG_DNS_NAMESERVERS": "127.0.0.1:5353, 127.0.0.2",
        "MAILBOXORG_VERIFICATION_TIMEOUT": "30",
        "MAILBOXORG_RATE_LIMIT": "0",
        "MAILBOXORG_DNS_POLL_INTERVAL": "0.5",
        "MAILBOXORG_REQUEST_TIMEOUT": "7",
    }
    assert {s.env for s in SETTINGS} == set(env)
    config = ProviderConfig.load(None, env)
    assert config.dns_nameservers == (Nameserver("127.0.0.1", 5353), Nameserver("127.0.0.2", 53))
    assert config.verification_timeout == 30
    assert config.rate_limit is None
    assert config.dns_poll_interval == 0.5
    assert config.request_timeout == 7


@pytest.mark.parametrize(
    ("env", "key", "variable"),
    [
        ({"MAILBOXORG_PASSWORD": "p"}, "mailboxorg:username", "MAILBOXORG_USERNAME"),
        ({"MAILBOXORG_USERNAME": "u"}, "mailboxorg:password", "MAILBOXORG_PASSWORD"),
    ],
)
def test_missing_credentials_name_the_config_key_and_the_variable(env, key, variable):
    config = ProviderConfig.load(None, env)
    with pytest.raises(ConfigurationError) as info:
        config.require_credentials()
    assert key in str(info.value) and variable in str(info.value)
    assert (info.value.key, info.value.env) == (key, variable)


@pytest.mark.parametrize(
    ("variable", "value", "key"),
    [
        ("MAILBOXORG_VERIFICATION_TIMEOUT", "soon", "mailboxorg:verificationTimeout"),
        ("MAILBOXORG_VERIFICATION_TIMEOUT", "-1", "mailboxorg:verificationTimeout"),
        ("MAILBOXORG_RATE_LIMIT", "nan", "mailboxorg:rateLimit"),
        ("MAILBOXORG_DNS_POLL_INTERVAL", "0", "mailboxorg:dnsPollInterval"),
        ("MAILBOXORG_REQUEST_TIMEOUT", "0", "mailboxorg:requestTimeout"),
        ("MAILBOXORG_DNS_NAMESERVERS", "127.0.0.1:99999", "mailboxorg:dnsNameservers"),
    ],
)
def test_invalid_values_are_rejected_naming_key_and_variable(variable, value, key):
    with pytest.raises(ConfigurationError) as info:
        ProviderConfig.load(None, {variable: value})
    assert key in str(info.value) and variable in str(info.value)


def test_the_password_never_appears_in_the_repr():
    config = ProviderConfig.load(None, {"MAILBOXORG_USERNAME": "u", "MAILBOXORG_PASSWORD": "s3ntinel-pw"})
    assert "s3ntinel-pw" not in repr(config)
