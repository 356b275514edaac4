"""Phone numbers per region, country profiles, and the policy a line gets from its config."""

from __future__ import annotations

import pytest

from firmware.config import ConfigStore, Line, Recording, default_config
from firmware.country.numbers import describe
from firmware.country.profiles import PROFILES, profile
from firmware.engine.policy import policy_for
from firmware.engine.state import Policy


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        (
            "13800138000",
            "CN",
            (
                "+8613800138000",
                "138 0013 8000",
                "mobile",
                "北京市",
                "Beijing",
                "中国移动",
            ),
        ),
        (
            "075512345678",
            "CN",
            (
                "+8675512345678",
                "0755 1234 5678",
                "fixed_line",
                "广东省深圳市",
                "Shenzhen, Guangdong",
                None,
            ),
        ),
        (
            "+8613912345678",
            "CN",
            (
                "+8613912345678",
                "139 1234 5678",
                "mobile",
                "江苏省常州市",
                "Changzhou, Jiangsu",
                "中国移动",
            ),
        ),
        (
            "4008123123",
            "CN",
            ("+864008123123", "400 812 3123", "shared_cost", "中国", "China", None),
        ),
        (
            "2125551234",
            "US",
            (
                "+12125551234",
                "(212) 555-1234",
                "fixed_line_or_mobile",
                "美国",
                "New York, NY",
                None,
            ),
        ),
        (
            "02012345678",
            "GB",
            (
                "+442012345678",
                "020 1234 5678",
                "fixed_line",
                "英国",
                "London",
                None,
            ),
        ),
    ],
)
def test_full_numbers_are_normalised_and_located(raw, region, expected):
    # expected: E.164, national display, kind, location (zh, en), carrier (zh)
    info = describe(raw, region)
    found = (info.e164, info.display, info.kind, info.location_zh, info.location_en)
    assert (*found, info.carrier_zh) == expected


@pytest.mark.parametrize("raw", ["95588", "10086", "12", "", "P", "O", "13800138000#", "abc"])
def test_service_numbers_and_garbage_keep_their_digits_and_get_no_location(raw):
    info = describe(raw, "CN")
    assert info.e164 is None
    assert info.display == raw.strip()
    assert info.location_zh is None and info.carrier_zh is None


def test_every_profile_is_complete_and_china_is_the_default():
    assert default_config().device.country == "CN"
    for country, each in PROFILES.items():
        assert each.country == country == profile(country).country
        assert set(each.tones) == {"dial", "ringback", "busy", "congestion"}
        assert len(each.ring_cadence_s) % 2 == 0
        # The ring timeout outlasts the longest silence of the cadence.
        assert each.ring_timeout_s > max(each.ring_cadence_s[1::2])
        assert each.caller_id.modulation in ("fsk_bell202", "fsk_v23", "dtmf")
        assert each.dtmf.normal_twist_db >= 8 and each.dtmf.reverse_twist_db >= 4
    with pytest.raises(ValueError, match="no country profile 'FR'"):
        profile("FR")


def test_the_line_policy_follows_the_configuration(tmp_path):
    store = ConfigStore(tmp_path)
    store.load()
    store.set_device(country="CN", no_record=["+86 138 0013 8000".replace(" ", "")])
    config = store.update_line(
        2,
        recording={
            "mode": "schedule",
            "schedule": [{"days": ["mon", "fri"], "start": "09:00", "end": "17:30"}],
        },
    )
    policy = policy_for(config, config.lines[1])
    assert policy.mode == "schedule"
    assert policy.windows[0].weekdays == frozenset({0, 4})
    assert (policy.windows[0].start_minute, policy.windows[0].end_minute) == (540, 1050)
    # Caller ID sends national digits; the list was written in E.164: both match.
    assert {"13800138000", "+8613800138000"} <= policy.no_record
    assert policy.utc_offset_s == 8 * 3600
    assert policy.ring_timeout_s == PROFILES["CN"].ring_timeout_s
    # The recording's key codes are watched only in manual mode; the survey's on every line.
    assert policy.codes() == ("*5",)
    store.set_device(manual_codes={"start": "#9", "stop": "", "survey": "*5"})
    config = store.update_line(2, recording={"mode": "manual"})
    assert policy_for(config, config.lines[1]).codes() == ("#9", "*5")


def test_a_disabled_line_records_nothing():
    config = default_config()
    line = Line(number=1, enabled=False, recording=Recording(mode="auto"))
    assert policy_for(config, line) == Policy(
        mode="off",
        no_record=frozenset(),
        windows=(),
        utc_offset_s=8 * 3600,
        time_zone="Asia/Shanghai",  # the country's, as none is set
        ring_timeout_s=PROFILES["CN"].ring_timeout_s,
        start_code="*1",
        stop_code="*0",
        survey_code="*5",
    )


def sample_numbers() -> list[tuple[str, str]]:
    """An example number of every type for every region, plus some of the box's own."""
    import phonenumbers  # noqa: PLC0415

    samples = [("13800138000", "CN"), ("075512345678", "CN"), ("4008123123", "CN")]
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE,
            phonenumbers.PhoneNumberType.TOLL_FREE,
        ):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                samples.append(
                    (
                        phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164),
                        region,
                    )
                )
    return samples


def test_locations_and_carriers_match_phonenumbers_own_lookups():
    """The exported index gives what phonenumbers' geocoder and carrier modules give."""
    import phonenumbers  # noqa: PLC0415
    from phonenumbers import carrier, geocoder  # noqa: PLC0415 - the 100 MB tables, here only

    samples = sample_numbers()
    assert len(samples) > 500
    for raw, region in samples:
        info = describe(raw, region)
        parsed = phonenumbers.parse(raw, region)
        expected = (
            geocoder.description_for_number(parsed, "zh") or None,
            geocoder.description_for_number(parsed, "en") or None,
            carrier.name_for_number(parsed, "zh") or None,
            carrier.name_for_number(parsed, "en") or None,
        )
        if not phonenumbers.is_valid_number(parsed):
            continue
        found = (info.location_zh, info.location_en, info.carrier_zh, info.carrier_en)
        assert found == expected, (raw, region)
