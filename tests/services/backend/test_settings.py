"""Settings come from the environment; a bad value stops the server with a reason."""

import pytest
from notes_api.__main__ import main
from notes_api.settings import Settings


@pytest.mark.parametrize(
    ("value", "origins"),
    [
        ("", []),
        ("http://localhost", ["http://localhost"]),
        (
            "http://localhost:5173, https://app.example.com",
            ["http://localhost:5173", "https://app.example.com"],
        ),
        ("http://a.test,,", ["http://a.test"]),
    ],
)
def test_cors_origins_are_read_as_a_comma_separated_list(
    monkeypatch: pytest.MonkeyPatch, value: str, origins: list[str]
):
    monkeypatch.setenv("CORS_ORIGINS", value)

    assert Settings().cors_origins == origins


def test_unset_variables_fall_back_to_port_8080_and_a_local_data_directory(
    monkeypatch: pytest.MonkeyPatch,
):
    for name in ("PORT", "DATA_DIR", "CORS_ORIGINS", "HOST"):
        monkeypatch.delenv(name, raising=False)

    settings = Settings()

    assert (settings.port, str(settings.data_dir), settings.cors_origins) == (
        8080,
        "data",
        [],
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PORT", "http", "notes_api: PORT='http': Input should be a valid integer"),
        ("PORT", "70000", "notes_api: PORT='70000': Input should be less than"),
        (
            "CORS_ORIGINS",
            "http://localhost:5173/",
            "'http://localhost:5173/' is not an origin (allowed: scheme://host[:port]",
        ),
        ("CORS_ORIGINS", "localhost:5173", "'localhost:5173' is not an origin"),
    ],
)
def test_a_bad_variable_stops_the_server_with_status_2_and_names_it(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
    message: str,
):
    monkeypatch.setenv(name, value)

    assert main() == 2
    error = capsys.readouterr().err
    assert message in error
    assert error.count("\n") == 1
