"""Public WLAN captive portal: openNDS FAS (levels 1-4 with authmon), Meraki click-through, RFC 8908."""
