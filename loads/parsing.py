"""Reading a watch's run file (FIT, GPX, TCX) into one run session: plain Python, no Django.

It runs in a child process with time and memory limits (`loads.parse_child`), so a file that
makes a parser loop or balloon is stopped there, not in the worker. The units are the ones a
physio reads: seconds, metres, beats and steps per minute, millimetres, RPE 0-10.

FIT (Garmin profile): the session's `total_timer_time` is moving time and `total_elapsed_time`
the whole activity; running cadence is stored in strides per minute with a 1/128 fraction, so
steps per minute = 2 x (cadence + fractional_cadence); `workout_rpe` is RPE x 10.
"""

from __future__ import annotations

import io
import os
import statistics
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

RUN_SPORTS = {"running", "run", "trail_running", "treadmill_running", "track_running"}
# A lap is a walk when its step rate or speed is a walker's (Garmin's walk-run laps alternate).
WALK_CADENCE_BELOW = 140  # steps/min
WALK_SPEED_BELOW = 1.9  # m/s (6.8 km/h)


class RunFileError(Exception):
    """The file cannot be read as a run: the message is said to the athlete as it is."""


@dataclass
class Lap:
    seconds: float
    distance_m: float | None
    cadence_spm: float | None
    kind: str = "run"  # run / walk


@dataclass
class RunSession:
    file_format: str
    sport: str
    sub_sport: str
    started_at: str  # ISO 8601, UTC
    elapsed_s: float
    moving_s: float
    distance_m: float | None = None
    avg_hr: int | None = None
    max_hr: int | None = None
    cadence_spm: float | None = None
    max_cadence_spm: float | None = None
    stance_time_ms: float | None = None
    vertical_oscillation_mm: float | None = None
    step_length_mm: float | None = None
    device_rpe: float | None = None
    has_gps: bool = False
    laps: list[Lap] = field(default_factory=list)

    @property
    def is_run(self) -> bool:
        return self.sport in RUN_SPORTS

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sniff(head: bytes) -> str | None:
    """The format from the first bytes: 'fit', 'gpx', 'tcx', 'compressed' or None."""
    if head[:2] == b"\x1f\x8b" or head[:4] in {b"PK\x03\x04", b"PK\x05\x06"} or head[:3] == b"BZh":
        return "compressed"
    if len(head) >= 12 and head[8:12] == b".FIT":
        return "fit"
    text = head[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<"):
        if b"<gpx" in text:
            return "gpx"
        if b"<trainingcenterdatabase" in text:
            return "tcx"
    return None


def parse(data: bytes) -> RunSession:
    kind = sniff(data[:4096])
    if kind == "fit":
        session = _fit(data)
    elif kind in {"gpx", "tcx"}:
        if b"<!doctype" in data[:8192].lower() or b"<!entity" in data.lower():
            raise RunFileError("This file declares its own XML entities and cannot be read.")
        session = _gpx(data) if kind == "gpx" else _tcx(data)
    else:
        raise RunFileError("This is not a FIT, GPX or TCX run file.")
    _mark_walk_laps(session.laps)
    return session


# --- FIT ------------------------------------------------------------------------------------


def _fit(data: bytes) -> RunSession:
    # Each parser is imported where it is used: the child process that parses one file loads
    # only the parser for that file's format, under its memory limit.
    import fitdecode

    sessions: list[dict[str, Any]] = []
    laps: list[dict[str, Any]] = []
    has_gps = False
    first_record: datetime | None = None
    try:
        with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.ENABLED) as reader:
            for frame in reader:
                if not isinstance(frame, fitdecode.FitDataMessage):
                    continue
                if frame.name == "session":
                    sessions.append(_fields(frame))
                elif frame.name == "lap":
                    laps.append(_fields(frame))
                elif frame.name == "record":
                    if not has_gps and frame.has_field("position_lat"):
                        has_gps = frame.get_value("position_lat") is not None
                    if first_record is None and frame.has_field("timestamp"):
                        first_record = frame.get_value("timestamp")
    except fitdecode.FitError as error:
        raise RunFileError("The file is damaged or incomplete: it cannot be read.") from error
    if not sessions:
        raise RunFileError("The file holds no activity session.")
    s = sessions[0]
    sport = str(s.get("sport") or "generic")
    started = s.get("start_time") or first_record
    if not isinstance(started, datetime):
        raise RunFileError("The file has no start time.")
    return RunSession(
        file_format="fit",
        sport=sport,
        sub_sport=str(s.get("sub_sport") or ""),
        started_at=_utc(started),
        elapsed_s=float(s.get("total_elapsed_time") or 0),
        moving_s=float(s.get("total_timer_time") or s.get("total_elapsed_time") or 0),
        distance_m=_float(s.get("total_distance")),
        avg_hr=_int(s.get("avg_heart_rate")),
        max_hr=_int(s.get("max_heart_rate")),
        cadence_spm=_fit_steps(
            s.get("avg_running_cadence", s.get("avg_cadence")), s.get("avg_fractional_cadence")
        ),
        max_cadence_spm=_fit_steps(
            s.get("max_running_cadence", s.get("max_cadence")), s.get("max_fractional_cadence")
        ),
        stance_time_ms=_float(s.get("avg_stance_time")),
        vertical_oscillation_mm=_float(s.get("avg_vertical_oscillation")),
        step_length_mm=_float(s.get("avg_step_length")),
        device_rpe=(_float(s.get("workout_rpe")) or 0) / 10 or None,
        has_gps=has_gps,
        laps=[
            Lap(
                seconds=float(lap.get("total_timer_time") or lap.get("total_elapsed_time") or 0),
                distance_m=_float(lap.get("total_distance")),
                cadence_spm=_fit_steps(
                    lap.get("avg_running_cadence", lap.get("avg_cadence")),
                    lap.get("avg_fractional_cadence"),
                ),
            )
            for lap in laps
        ],
    )


def _fields(frame: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in frame.fields:
        if item.value is not None and item.name not in values:
            values[item.name] = item.value
    return values


def _fit_steps(strides: Any, fraction: Any) -> float | None:
    if strides is None:
        return None
    return round(2 * (float(strides) + float(fraction or 0)), 1)


# --- GPX ------------------------------------------------------------------------------------


def _gpx(data: bytes) -> RunSession:
    import gpxpy
    import gpxpy.gpx

    try:
        gpx = gpxpy.parse(data.decode("utf-8", errors="strict"))
    except (gpxpy.gpx.GPXException, UnicodeDecodeError, ValueError) as error:
        raise RunFileError("The file is damaged or incomplete: it cannot be read.") from error
    if not gpx.tracks:
        raise RunFileError("The file holds no recorded track.")
    track = gpx.tracks[0]
    sport = (track.type or "running").strip().lower()
    points = [p for seg in track.segments for p in seg.points]
    times = [p.time for p in points if p.time is not None]
    if not times:
        raise RunFileError("The file has no times: it does not record an activity.")
    moving = track.get_moving_data()
    heart: list[int] = []
    cadence: list[float] = []
    for point in points:
        for ext in point.extensions:
            for element in ext.iter():
                tag = element.tag.rsplit("}", 1)[-1].lower()
                if tag == "hr" and element.text:
                    heart.append(int(float(element.text)))
                elif tag == "cad" and element.text:
                    cadence.append(2 * float(element.text))  # gpxtpx:cad is strides/min
    elapsed = (max(times) - min(times)).total_seconds()
    return RunSession(
        file_format="gpx",
        sport="running" if sport in {"run", "running", "9"} else sport,
        sub_sport="",
        started_at=_utc(min(times)),
        elapsed_s=elapsed,
        moving_s=float(moving.moving_time) if moving and moving.moving_time else elapsed,
        distance_m=round(track.length_3d() or track.length_2d() or 0, 1) or None,
        avg_hr=round(statistics.fmean(heart)) if heart else None,
        max_hr=max(heart) if heart else None,
        cadence_spm=round(statistics.fmean(cadence), 1) if cadence else None,
        max_cadence_spm=max(cadence) if cadence else None,
        has_gps=any(p.latitude is not None for p in points),
    )


# --- TCX ------------------------------------------------------------------------------------


def _tcx(data: bytes) -> RunSession:
    from tcxreader.tcxreader import TCXReader

    # tcxreader reads a path: the bytes go to a private temporary file for the read.
    handle, path = tempfile.mkstemp(suffix=".tcx")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        try:
            exercise = TCXReader().read(path, only_gps=False)
        except Exception as error:  # tcxreader raises bare errors on broken XML
            raise RunFileError("The file is damaged or incomplete: it cannot be read.") from error
    finally:
        os.unlink(path)
    if exercise.start_time is None:
        raise RunFileError("The file holds no activity.")
    sport = (exercise.activity_type or "running").strip().lower()
    points = exercise.trackpoints or []
    run_cadence = [
        float(tp.tpx_ext["RunCadence"]) * 2
        for tp in points
        if tp.tpx_ext and tp.tpx_ext.get("RunCadence") is not None
    ]
    laps = []
    for lap in exercise.laps or []:
        lap_cad = [
            float(tp.tpx_ext["RunCadence"]) * 2
            for tp in (lap.trackpoints or [])
            if tp.tpx_ext and tp.tpx_ext.get("RunCadence") is not None
        ]
        laps.append(
            Lap(
                seconds=float(lap.duration or 0),
                distance_m=_float(lap.distance),
                cadence_spm=round(statistics.fmean(lap_cad), 1) if lap_cad else None,
            )
        )
    moving = sum(lap.seconds for lap in laps) or float(exercise.duration or 0)
    elapsed = (
        (exercise.end_time - exercise.start_time).total_seconds() if exercise.end_time else moving
    )
    return RunSession(
        file_format="tcx",
        sport="running" if sport == "running" else sport,
        sub_sport="",
        started_at=_utc(exercise.start_time),
        elapsed_s=max(elapsed, moving),
        moving_s=moving,
        distance_m=_float(exercise.distance),
        avg_hr=_int(exercise.hr_avg),
        max_hr=_int(exercise.hr_max),
        cadence_spm=round(statistics.fmean(run_cadence), 1) if run_cadence else None,
        max_cadence_spm=max(run_cadence) if run_cadence else None,
        has_gps=any(tp.latitude is not None for tp in points),
        laps=laps,
    )


# --- shared ---------------------------------------------------------------------------------


def _mark_walk_laps(laps: list[Lap]) -> None:
    for lap in laps:
        speed = (lap.distance_m / lap.seconds) if lap.distance_m and lap.seconds else None
        if lap.cadence_spm is not None:
            lap.kind = "walk" if lap.cadence_spm < WALK_CADENCE_BELOW else "run"
        elif speed is not None:
            lap.kind = "walk" if speed < WALK_SPEED_BELOW else "run"


def walk_run(laps: list[dict[str, Any]] | list[Lap]) -> dict[str, float] | None:
    """Run and walk seconds when the laps alternate walking and running (a walk-run session)."""
    kinds = [lap["kind"] if isinstance(lap, dict) else lap.kind for lap in laps]
    secs = [lap["seconds"] if isinstance(lap, dict) else lap.seconds for lap in laps]
    if kinds.count("run") < 2 or "walk" not in kinds:
        return None
    run = sum(s for k, s in zip(kinds, secs, strict=True) if k == "run")
    walk = sum(s for k, s in zip(kinds, secs, strict=True) if k == "walk")
    return {"run_s": run, "walk_s": walk, "intervals": kinds.count("run")}


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _int(value: Any) -> int | None:
    number = _float(value)
    return None if number is None else round(number)
