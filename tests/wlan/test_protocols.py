"""Pure protocol modules, no I/O: the FAS query, authmon's wire format, Meraki's grant URL, RFC 8908 bodies."""

from __future__ import annotations

import base64

import pytest

from chalicelib.wlan import authmon, capport, fas_query, meraki
from chalicelib.wlan.pseudonyms import device_pseudonym, normalize_mac

# Published in openNDS issue #431 (openNDS 9.10.0, faskey 1234567890): the gateway's own debug log of the query.
VECTOR_FAS = (
    "ZUdRcmIzVDRaZFIwRmcyK1g1M25MQTVMWU14Zkg4UW9PK1lYQ1hiV0lVK1ZjNmFKdHZFTGZpaVVFNlFyRE8weEJ3aFdsdXhiTnIvYzUxRFBa"
    "VjdOY1pSdkgxY0FxWVFKdUJwOWtFRy9lV0kyKzVhVEJhYnhlemxRTTRIbXJZeUMvOFRnazkrRDA0Umkzc3ZYaXJ4UEhQbGRLRldpLzJzbUpO"
    "RTFhd0lvbHMxYXZqOHZ1MUM1N2k3R2cwZTNyMFNSek91STcrNVlqZXpHVExRei9QUU9EQmNaVHl0NC9Kc1FxTnYySkl2SlJmL1pyc0dUNy9C"
    "N3ZMbTVMM0laWHl0YWNRWDZJQUx3cEtjTUlUM0RVWmFZaG8wT0RhT3B4ak1VU3VYbUJJaGpDejdWQ0VYWldFY0lTc2FDK3R4NW5HNTZieEJj"
    "T0xKZm1HZjhyM2F0M0Z1L1FBdDg1bHpObm9GNFJHWEFja2k1ZnNtbXRLTnlhbHFIdGlLUGQxZDZvTkZRWGt4RitvU2dvdEVhWFV1T0VKM3N2"
    "RkRjY1l1S0N0WXFtMHJleGdvVlVFb24yRzd0aThHMDR3OGYvMzVscW95RDNrK0crOWx1M3c5eHB1Uno3bHMwVVY4VEk0cTFRZkc2UVlFT1l4"
    "MlU3ajd0STJxNGdzaWNBdmtWVU1lSXBWZHpNQ0YyRHFBNG5WR2E1NElmcXN2Nnc2L1dIbmZWN3FzOWxZZGcvRGdzZ0RtaDBYRm4xVTdzbzBx"
    "d25NeFgxNGlS"
)
VECTOR_IV = "8123c57ea79db370"
VECTOR_HID = "7268899fb81cf661915eac0c9549e1b53904f5ca0b17b3e2770e9ee99530a7ad"


def test_published_vector_decrypts() -> None:
    text = fas_query.decrypt(VECTOR_FAS, VECTOR_IV, "1234567890")
    assert text.endswith("themespec=(null), (null)(null)(null)(null)")
    query = fas_query.parse(text)
    assert query.hid == VECTOR_HID
    assert query.get("clientip") == "10.20.30.156"
    assert query.get("clientmac") == "80:ad:16:8a:38:b9"
    assert query.gatewayname_raw == "KB%20WiFi%20Node%3a3ccd575265eb%20"
    assert query.get("gatewayname") == "KB WiFi Node:3ccd575265eb "
    assert query.get("originurl") == "http://example.com/"
    assert query.get("gatewayaddress") == "10.20.30.40:2050" and query.get("authdir") == "opennds_auth"
    assert query.get("themespec") == "" and query.get("client_type") == "cpi_url"
    assert fas_query.rhid(query.hid, "1234567890") == \
        "21dfe61ded9b9d8522a374dbae03544b6260025151612f7b2b8a774743950c56"
    assert fas_query.gateway_hash(query.gatewayname_raw) == \
        "9773a504332420454f2f19a0f82d44fb9bfb53eb34e2195c6b1eda7d53b69842"


def test_vector_refused_with_wrong_key_iv_or_tampering() -> None:
    for key, iv in (("1234567891", VECTOR_IV), ("1234567890", "349460717529c0fd")):
        with pytest.raises(fas_query.FasError):
            fas_query.parse(fas_query.decrypt(VECTOR_FAS, iv, key))
    for position in (0, 100, 300, len(VECTOR_FAS) - 3):
        flipped = VECTOR_FAS[:position] + ("A" if VECTOR_FAS[position] != "A" else "B") + VECTOR_FAS[position + 1:]
        with pytest.raises(fas_query.FasError):
            fas_query.parse(fas_query.decrypt(flipped, VECTOR_IV, "1234567890"))
    with pytest.raises(fas_query.FasError):
        fas_query.decrypt(VECTOR_FAS[:-8], VECTOR_IV, "1234567890")


def test_php_key_rule() -> None:
    assert fas_query.php_key("1234567890") == b"1234567890" + b"\0" * 22
    long_key = "c775e7b757ede630cd0aa1113bd102661ab38829ca52a6422ab782862f268646"
    assert fas_query.php_key(long_key) == long_key[:32].encode()
    sealed = fas_query.encrypt("hid=" + "a" * 64 + ", clientmac=x, gatewayname=g", "0123456789abcdef", long_key)
    # PHP cuts long keys: the first 32 characters decrypt it alike
    assert fas_query.decrypt(sealed, "0123456789abcdef", long_key[:32]).startswith("hid=")


def test_plain_query_with_spaces_for_plus_and_custom_items() -> None:
    text = ("hid=" + "b" * 64 + ", clientip=192.168.8.20, clientmac=aa:bb:cc:dd:ee:ff, gatewayname=Ma%c3%9fe%3e, "
            "originurl=http%3a%2f%2fexample.org%2f%3fa%3d1%26b%3d2, location=Rathaus%20Platz, admin_email=a%40b.de, "
            "themespec=(null), (null)(null)(null)(null)")
    encoded = base64.b64encode(text.encode()).decode()
    assert "+" in encoded or "/" in encoded or True
    query = fas_query.parse(fas_query.decode_plain(encoded.replace("+", " ").rstrip("=")))
    assert query.get("originurl") == "http://example.org/?a=1&b=2"
    assert query.get("gatewayname") == "Maße>"
    assert query.custom == {"location": "Rathaus%20Platz", "admin_email": "a%40b.de"}
    assert "(null)(null)(null)(null)" not in query.raw


@pytest.mark.parametrize("bad", ["", "!!!!", "aGVsbG8=", "x" * 9000, base64.b64encode(b"\xff\xfe").decode(),
                                 base64.b64encode(b"hid=zz, clientmac=a, gatewayname=b").decode(),
                                 base64.b64encode(b"clientmac=a, gatewayname=b").decode()])
def test_plain_garbage_refused(bad: str) -> None:
    with pytest.raises(fas_query.FasError):
        fas_query.parse(fas_query.decode_plain(bad))


def test_authmon_wire_format() -> None:
    rhid = "21dfe61ded9b9d8522a374dbae03544b6260025151612f7b2b8a774743950c56"
    custom = base64.b64encode(b"marktplatz ws_x").decode()
    entry = authmon.grant_entry(rhid, 120, 500, 2000, 100000, 500000, custom)
    assert entry == f"{rhid} 120 500 2000 100000 500000 bWFya3RwbGF0eiB3c194"
    reply = authmon.view_reply([entry])
    assert reply == "* " + entry.replace(" ", "%20")
    assert authmon.view_reply([]) == "*"
    assert authmon.parse_view_reply(reply) == [entry.split(" ")]
    assert authmon.view_reply([entry] * 6).count(" ") == 4


def test_authmon_requests_and_payloads() -> None:
    h = "9773a504332420454f2f19a0f82d44fb9bfb53eb34e2195c6b1eda7d53b69842"
    rhid = "a" * 64
    b64 = base64.b64encode
    assert authmon.parse_request({"auth_get": "view", "gatewayhash": h, "payload": b64(b"none").decode()}).payload \
        == "none"
    assert authmon.parse_request({"auth_get": "view", "gatewayhash": h, "payload": "none"}).is_ack is False
    ack = authmon.parse_request({"auth_get": "view", "gatewayhash": h,
                                 "payload": b64(f"* {rhid} {rhid} {'b' * 64}".encode()).decode()})
    assert ack.is_ack and authmon.acked_rhids(ack.payload) == [rhid, "b" * 64]
    assert authmon.acked_rhids("*") == []
    for bad in ({"auth_get": "steal", "gatewayhash": h}, {"auth_get": "view", "gatewayhash": "x"},
                {"auth_get": "view", "gatewayhash": h, "payload": "A" * 5000}):
        with pytest.raises(authmon.AuthmonError):
            authmon.parse_request(bad)
    notice = 'method="idle_deauth", clientmac="aa:bb", session_start=1700000000, session_end=1700000600, token=ab12'
    for payload in (notice, b64(notice.encode()).decode(), b64(b64(notice.encode())).decode()):
        parsed = authmon.parse_deauth(authmon.decode_payload(payload))
        assert (parsed.method, parsed.token, parsed.session_end - parsed.session_start) == ("idle_deauth", "ab12", 600)
    assert authmon.is_authmon({}, "openNDS(authmon;NDS:10.2.0;)") and not authmon.is_authmon({}, "Mozilla/5.0")


def test_meraki_grant_url_only_for_configured_hosts() -> None:
    hosts = ["n143.network-auth.com", "*.meraki.example"]
    url = meraki.grant_url("https://n143.network-auth.com/splash/grant", "https://x.de/s?lang=de", 3600, hosts)
    assert url == ("https://n143.network-auth.com/splash/grant?continue_url=https%3A%2F%2Fx.de%2Fs%3Flang%3Dde"
                   "&duration=3600")
    assert meraki.host_allowed("https://eu.meraki.example/grant", hosts)
    for foreign in ("https://evil.example/splash/grant", "http://n143.network-auth.com/grant",
                    "https://n143.network-auth.com.evil.example/", "https://meraki.example/",
                    "https://user@n143.network-auth.com/", "javascript:alert(1)"):
        assert not meraki.host_allowed(foreign, hosts)
        with pytest.raises(meraki.MerakiError):
            meraki.grant_url(foreign, "https://x.de", 60, hosts)


def test_capport_body() -> None:
    assert capport.status_body(captive=True, portal_url="https://a/") == {"captive": True, "user-portal-url": "https://a/"}
    assert capport.status_body(captive=False, portal_url="https://a/", seconds_remaining=90, can_extend=False) == \
        {"captive": False, "user-portal-url": "https://a/", "seconds-remaining": 90, "can-extend-session": False}


def test_pseudonyms_depend_on_day_key_not_mac_format() -> None:
    assert normalize_mac("80:AD:16:8a:38:B9") == normalize_mac("80-ad-16-8a-38-b9") == "80ad168a38b9"
    a, b = b"k" * 32, b"j" * 32
    assert device_pseudonym(a, "80:AD:16:8a:38:B9") == device_pseudonym(a, "80ad168a38b9")
    assert device_pseudonym(a, "80:ad:16:8a:38:b9") != device_pseudonym(b, "80:ad:16:8a:38:b9")
    assert "80ad168a38b9" not in device_pseudonym(a, "80:ad:16:8a:38:b9")
