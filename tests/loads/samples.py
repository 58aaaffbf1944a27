"""Run files the tests write themselves, with known content: FIT (a small encoder of the FIT
protocol, since the FIT encoder packages lack the newer session fields such as workout_rpe and
avg_step_length), GPX 1.1 with Garmin's TrackPointExtension, and TCX with the TPX extension.

Each builder takes a `Run` and writes what a watch would: a record per second-step, laps, a
session with its summary fields.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
CRC_TABLE = [
    0x0000,
    0xCC01,
    0xD801,
    0x1400,
    0xF001,
    0x3C00,
    0x2800,
    0xE401,
    0xA001,
    0x6C00,
    0x7800,
    0xB401,
    0x5000,
    0x9C01,
    0x8801,
    0x4400,
]


def fit_crc(data: bytes, crc: int = 0) -> int:
    for byte in data:
        tmp = CRC_TABLE[crc & 0xF]
        crc = (crc >> 4) & 0x0FFF
        crc = crc ^ tmp ^ CRC_TABLE[byte & 0xF]
        tmp = CRC_TABLE[crc & 0xF]
        crc = (crc >> 4) & 0x0FFF
        crc = crc ^ tmp ^ CRC_TABLE[(byte >> 4) & 0xF]
    return crc


@dataclass
class LapSpec:
    seconds: int
    metres: float
    strides: int  # strides/min, as FIT stores them
    fraction: float = 0.0  # the 1/128 part of the stride rate


@dataclass
class Run:
    start: datetime = datetime(2026, 11, 30, 7, 5, 0, tzinfo=UTC)
    sport: int = 1  # FIT sport: 1 running, 2 cycling
    sub_sport: int = 0  # 1 treadmill
    laps: list[LapSpec] = field(default_factory=lambda: [LapSpec(1800, 5400.0, 86, 0.5)])
    pause_s: int = 60  # elapsed = moving + pause
    avg_hr: int = 148
    max_hr: int = 171
    max_strides: int = 92
    stance_ms: float = 251.3
    vertical_mm: float = 84.6
    step_length_mm: float = 1043.0
    rpe_x10: int | None = 60  # FIT workout_rpe: RPE 6 x 10
    gps: bool = True
    record_every: int = 10  # seconds between records

    @property
    def moving_s(self) -> int:
        return sum(lap.seconds for lap in self.laps)

    @property
    def elapsed_s(self) -> int:
        return self.moving_s + self.pause_s

    @property
    def metres(self) -> float:
        return sum(lap.metres for lap in self.laps)


def _ts(moment: datetime) -> int:
    return int((moment - FIT_EPOCH).total_seconds())


class _Writer:
    TYPES = {
        "enum": (0x00, "B", 1),
        "uint8": (0x02, "B", 1),
        "uint16": (0x84, "H", 2),
        "uint32": (0x86, "I", 4),
        "sint32": (0x85, "i", 4),
        "uint32z": (0x8C, "I", 4),
    }

    def __init__(self) -> None:
        self.body = bytearray()
        self.locals: dict[int, int] = {}

    def message(self, global_num: int, fields: list[tuple[int, str, int]]) -> None:
        local = global_num % 16
        if self.locals.get(local) != global_num or True:
            self.body += struct.pack("<BBBHB", 0x40 | local, 0, 0, global_num, len(fields))
            for num, kind, _value in fields:
                base, _fmt, size = self.TYPES[kind]
                self.body += struct.pack("<BBB", num, size, base)
            self.locals[local] = global_num
        self.body.append(local)
        for _num, kind, value in fields:
            self.body += struct.pack("<" + self.TYPES[kind][1], value)

    def bytes(self) -> bytes:
        header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(self.body), b".FIT")
        header += struct.pack("<H", fit_crc(header))
        data = header + bytes(self.body)
        return data + struct.pack("<H", fit_crc(data))


def fit_file(run: Run) -> bytes:
    w = _Writer()
    start = _ts(run.start)
    w.message(
        0,
        [
            (0, "enum", 4),
            (1, "uint16", 1),
            (2, "uint16", 3113),
            (3, "uint32z", 12345),
            (4, "uint32", start),
        ],
    )
    t, dist = 0, 0.0
    lap_start = 0
    lat0, lon0 = 51.5, -0.12
    for lap in run.laps:
        speed = lap.metres / lap.seconds
        for s in range(0, lap.seconds, run.record_every):
            fields = [
                (253, "uint32", start + t + s),
                (5, "uint32", int((dist + speed * s) * 100)),
                (3, "uint8", run.avg_hr),
                (4, "uint8", lap.strides),
                (53, "uint8", int(lap.fraction * 128)),
            ]
            if run.gps:
                metres = dist + speed * s
                fields += [
                    (0, "sint32", int((lat0 + metres / 111_000) * 2**31 / 180)),
                    (1, "sint32", int(lon0 * 2**31 / 180)),
                ]
            w.message(20, fields)
        t += lap.seconds
        dist += lap.metres
        w.message(
            19,
            [
                (253, "uint32", start + t),
                (2, "uint32", start + lap_start),
                (7, "uint32", lap.seconds * 1000),
                (8, "uint32", lap.seconds * 1000),
                (9, "uint32", int(lap.metres * 100)),
                (17, "uint8", lap.strides),
                (25, "enum", run.sport),
            ],
        )
        lap_start = t
    session = [
        (253, "uint32", start + run.elapsed_s),
        (2, "uint32", start),
        (5, "enum", run.sport),
        (6, "enum", run.sub_sport),
        (7, "uint32", run.elapsed_s * 1000),
        (8, "uint32", run.moving_s * 1000),
        (9, "uint32", int(run.metres * 100)),
        (16, "uint8", run.avg_hr),
        (17, "uint8", run.max_hr),
        (18, "uint8", run.laps[0].strides),
        (19, "uint8", run.max_strides),
        (92, "uint8", int(run.laps[0].fraction * 128)),
        (89, "uint16", int(run.vertical_mm * 10)),
        (91, "uint16", int(run.stance_ms * 10)),
        (134, "uint16", int(run.step_length_mm * 10)),
        (26, "uint16", len(run.laps)),
    ]
    if run.rpe_x10 is not None:
        session.append((193, "uint8", run.rpe_x10))
    w.message(18, session)
    w.message(34, [(253, "uint32", start + run.elapsed_s), (1, "uint16", 1), (2, "enum", 0)])
    return w.bytes()


def walk_run_fit(intervals: int = 4, run_s: int = 240, walk_s: int = 60) -> tuple[Run, bytes]:
    laps = []
    for _ in range(intervals):
        laps.append(LapSpec(run_s, run_s * 2.6, 84))  # 168 steps/min at 2.6 m/s
        laps.append(LapSpec(walk_s, walk_s * 1.4, 56))  # 112 steps/min at 1.4 m/s
    run = Run(laps=laps, pause_s=0)
    return run, fit_file(run)


# --- GPX and TCX ----------------------------------------------------------------------------


def _points(start: datetime, seconds: int, metres: float, every: int = 10):
    speed = metres / seconds
    for s in range(0, seconds + 1, every):
        d = speed * s
        yield start + timedelta(seconds=s), 51.5 + d / 111_320, -0.12, d


def gpx_file(
    start: datetime,
    seconds: int,
    metres: float,
    hr: int = 150,
    strides: int = 85,
    sport: str = "running",
    every: int = 10,
) -> bytes:
    pts = "".join(
        f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>20</ele><time>{t:%Y-%m-%dT%H:%M:%SZ}</time>'
        f"<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{hr}</gpxtpx:hr>"
        f"<gpxtpx:cad>{strides}</gpxtpx:cad></gpxtpx:TrackPointExtension></extensions></trkpt>"
        for t, lat, lon, _d in _points(start, seconds, metres, every)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="rtr-tests" xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"<trk><name>Morning run</name><type>{sport}</type><trkseg>{pts}</trkseg></trk></gpx>"
    ).encode()


def tcx_file(
    start: datetime,
    laps: list[tuple[int, float, int]],
    hr: int = 140,
    max_hr: int = 160,
    sport: str = "Running",
    gps: bool = True,
) -> bytes:
    """laps: (seconds, metres, strides/min)."""
    body = ""
    t0 = start
    done = 0.0
    for seconds, metres, strides in laps:
        pts = ""
        for t, lat, lon, d in _points(t0, seconds, metres):
            pos = (
                (
                    f"<Position><LatitudeDegrees>{lat:.7f}</LatitudeDegrees>"
                    f"<LongitudeDegrees>{lon:.7f}</LongitudeDegrees></Position>"
                )
                if gps
                else ""
            )
            pts += (
                f"<Trackpoint><Time>{t:%Y-%m-%dT%H:%M:%SZ}</Time>{pos}"
                f"<DistanceMeters>{done + d:.1f}</DistanceMeters>"
                f"<HeartRateBpm><Value>{hr}</Value></HeartRateBpm>"
                f"<Extensions><ns3:TPX><ns3:RunCadence>{strides}</ns3:RunCadence></ns3:TPX>"
                f"</Extensions></Trackpoint>"
            )
        body += (
            f'<Lap StartTime="{t0:%Y-%m-%dT%H:%M:%SZ}"><TotalTimeSeconds>{seconds}</TotalTimeSeconds>'
            f"<DistanceMeters>{metres}</DistanceMeters>"
            f"<AverageHeartRateBpm><Value>{hr}</Value></AverageHeartRateBpm>"
            f"<MaximumHeartRateBpm><Value>{max_hr}</Value></MaximumHeartRateBpm>"
            f"<Intensity>Active</Intensity><TriggerMethod>Manual</TriggerMethod>"
            f"<Track>{pts}</Track></Lap>"
        )
        t0 += timedelta(seconds=seconds)
        done += metres
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" '
        'xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2">'
        f'<Activities><Activity Sport="{sport}"><Id>{start:%Y-%m-%dT%H:%M:%SZ}</Id>{body}'
        "</Activity></Activities></TrainingCenterDatabase>"
    ).encode()
