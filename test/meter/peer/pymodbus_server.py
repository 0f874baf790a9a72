"""Independent Modbus peer for gridlet's interoperability tests (pymodbus 3.0, Debian python3-pymodbus).

Serves register images of real meter maps, written here from the vendors' register tables with Python's struct
module, NOT from gridlet's profiles: a word-order or address mistake in gridlet shows up as a mismatch.

  unit 1  Eastron SDM630  FC4 float32 ABCD
  unit 2  Eastron SDM120  FC4 float32 ABCD (exporting)
  unit 3  Carlo Gavazzi EM340  FC4 int32 CDAB (low word first)
  unit 4  SunSpec int+SF at 40000: common model with L=65 (older Fronius), meter 203, inverter 103
  unit 5  SunSpec float at base 0 (40000 answers "illegal address"): common L=66, meter 213, inverter 113

Prints one line "READY <expected readings as JSON>" once serving, then serves until killed.
Usage: pymodbus_server.py tcp <port> | rtu <device>
"""
import asyncio
import json
import struct
import sys

from pymodbus.datastore import ModbusServerContext, ModbusSlaveContext, ModbusSparseDataBlock
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.server import StartAsyncSerialServer, StartAsyncTcpServer  # noqa: F401
from pymodbus.server.async_io import ModbusSerialServer, ModbusTcpServer


def f32(v):
    hi, lo = struct.unpack(">HH", struct.pack(">f", v))
    return [hi, lo]


def f32_back(v):
    return struct.unpack(">f", struct.pack(">f", v))[0]


def i32_cdab(v):
    hi, lo = struct.unpack(">HH", struct.pack(">i", v))
    return [lo, hi]


def u32(v):
    return [v >> 16, v & 0xFFFF]


def i16(v):
    return struct.unpack(">H", struct.pack(">h", v))[0]


def dense(size, values):
    regs = [0] * size
    for addr, words in values.items():
        regs[addr:addr + len(words)] = words
    return regs


def sdm630():
    regs = dense(80, {
        0: f32(230.1), 2: f32(231.2), 4: f32(229.3),
        6: f32(5.5), 8: f32(4.25), 10: f32(3.0),
        12: f32(1200.5), 14: f32(950.25), 16: f32(-300.0),
        52: f32(1850.75), 70: f32(49.98),
        72: f32(12345.678), 74: f32(2345.5),
    })
    expected = {
        "activePowerW": f32_back(1850.75),
        "importEnergyWh": round(f32_back(12345.678) * 1000),
        "exportEnergyWh": round(f32_back(2345.5) * 1000),
        "frequencyHz": f32_back(49.98),
        "phases": {
            "l1": {"powerW": f32_back(1200.5), "voltageV": f32_back(230.1), "currentA": f32_back(5.5)},
            "l2": {"powerW": f32_back(950.25), "voltageV": f32_back(231.2), "currentA": f32_back(4.25)},
            "l3": {"powerW": f32_back(-300.0), "voltageV": f32_back(229.3), "currentA": f32_back(3.0)},
        },
    }
    return ModbusSlaveContext(ir=ModbusSparseDataBlock({0: regs}), zero_mode=True), expected


def sdm120():
    regs = dense(80, {0: f32(239.5), 6: f32(2.5), 12: f32(-850.5), 70: f32(50.01), 72: f32(345.25), 74: f32(1234.125)})
    expected = {
        "activePowerW": -850.5,
        "importEnergyWh": 345250,
        "exportEnergyWh": 1234125,
        "frequencyHz": f32_back(50.01),
        "phases": {"l1": {"voltageV": 239.5, "currentA": 2.5}},
    }
    return ModbusSlaveContext(ir=ModbusSparseDataBlock({0: regs}), zero_mode=True), expected


def em340():
    regs = dense(80, {
        0: i32_cdab(2301), 2: i32_cdab(2312), 4: i32_cdab(2293),
        18: i32_cdab(12005), 20: i32_cdab(9502), 22: i32_cdab(-3000),
        40: i32_cdab(18507), 51: [i16(500)],
        52: i32_cdab(123456), 78: i32_cdab(23455),
    })
    expected = {
        "activePowerW": 1850.7,
        "importEnergyWh": 12345600,
        "exportEnergyWh": 2345500,
        "frequencyHz": 50.0,
        "phases": {
            "l1": {"powerW": 1200.5, "voltageV": 230.1},
            "l2": {"powerW": 950.2, "voltageV": 231.2},
            "l3": {"powerW": -300.0, "voltageV": 229.3},
        },
    }
    return ModbusSlaveContext(ir=ModbusSparseDataBlock({0: regs}), zero_mode=True), expected


def common_model(length):
    body = [0] * length
    name = b"peer-pymodbus".ljust(32, b"\0")
    body[0:16] = list(struct.unpack(">16H", name))
    return [1, length] + body


def sunspec_int():
    m203 = [0] * 107
    m203[0:2] = [203, 105]
    m203[3:6] = [550, 425, 300]            # AphA..C, A_SF -2
    m203[6] = i16(-2)
    m203[8:11] = [2301, 2312, 2293]        # PhVphA..C, V_SF -1
    m203[15] = i16(-1)
    m203[16] = 4998                        # Hz, Hz_SF -2
    m203[17] = i16(-2)
    m203[18] = i16(18507)                  # W, W_SF -1
    m203[19:22] = [i16(12005), i16(9502), i16(-3000)]
    m203[22] = i16(-1)
    m203[38:40] = u32(2345500)             # TotWhExp
    m203[46:48] = u32(12345678)            # TotWhImp
    m203[54] = 0                           # TotWh_SF
    m103 = [0] * 52
    m103[0:2] = [103, 50]
    m103[14] = 3200                        # W, W_SF 0
    m103[24:26] = u32(500000)              # WH, WH_SF 1
    m103[26] = 1
    regs = [0x5375, 0x6E53] + common_model(65) + m203 + m103 + [0xFFFF, 0]
    expected = {
        "activePowerW": 1850.7,
        "importEnergyWh": 12345678,
        "exportEnergyWh": 2345500,
        "frequencyHz": 49.98,
        "pvPowerW": 3200,
        "pvEnergyWh": 5000000,
        "phases": {
            "l1": {"powerW": 1200.5, "voltageV": 230.1, "currentA": 5.5},
            "l2": {"powerW": 950.2, "voltageV": 231.2, "currentA": 4.25},
            "l3": {"powerW": -300.0, "voltageV": 229.3, "currentA": 3.0},
        },
        "models": [1, 203, 103],
        "base": 40000,
    }
    return ModbusSlaveContext(hr=ModbusSparseDataBlock({40000: regs}), zero_mode=True), expected


def sunspec_float():
    m213 = [0] * 126
    m213[0:2] = [213, 124]
    for off, v in {4: 5.5, 6: 4.25, 8: 3.0, 12: 230.1, 14: 231.2, 16: 229.3, 26: 49.98,
                   28: 1850.75, 30: 1200.5, 32: 950.25, 34: -300.0, 60: 2345500.0, 68: 12345678.0}.items():
        m213[off:off + 2] = f32(v)
    m113 = [0] * 62
    m113[0:2] = [113, 60]
    m113[22:24] = f32(3200.0)
    m113[32:34] = f32(5000000.0)
    regs = [0x5375, 0x6E53] + common_model(66) + m213 + m113 + [0xFFFF, 0]
    expected = {
        "activePowerW": 1850.75,
        "importEnergyWh": 12345678,
        "exportEnergyWh": 2345500,
        "frequencyHz": f32_back(49.98),
        "pvPowerW": 3200,
        "pvEnergyWh": 5000000,
        "phases": {
            "l1": {"powerW": 1200.5, "voltageV": f32_back(230.1), "currentA": 5.5},
            "l2": {"powerW": 950.25, "voltageV": f32_back(231.2), "currentA": 4.25},
            "l3": {"powerW": -300.0, "voltageV": f32_back(229.3), "currentA": 3.0},
        },
        "models": [1, 213, 113],
        "base": 0,
    }
    return ModbusSlaveContext(hr=ModbusSparseDataBlock({0: regs}), zero_mode=True), expected


async def main():
    kind, where = sys.argv[1], sys.argv[2]
    slaves, expected = {}, {}
    for unit, make in enumerate([sdm630, sdm120, em340, sunspec_int, sunspec_float], start=1):
        slaves[unit], expected[unit] = make()
    context = ModbusServerContext(slaves=slaves, single=False)
    if kind == "tcp":
        server = ModbusTcpServer(context, address=("127.0.0.1", int(where)))
        task = asyncio.create_task(server.serve_forever())
        await server.serving
    else:
        server = ModbusSerialServer(context, framer=ModbusRtuFramer, port=where, baudrate=9600)
        await server.start()
        task = asyncio.create_task(server.serve_forever())
    print("READY " + json.dumps(expected), flush=True)
    await task


asyncio.run(main())
