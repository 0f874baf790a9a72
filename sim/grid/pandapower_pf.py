"""The independent peer of gridlet's power flow: builds each network it is given in pandapower and runs runpp.

Reads JSON on stdin: {"cases": [{"network": <gridlet network>, "busW": {bus: W}, "busVar": {bus: var}, "runs": n}]}
(consumption positive, three-phase totals). Writes JSON on stdout: per case the voltage magnitude of every bus (pu),
the loading of every line and of the transformer (%), the losses (W) and the median runpp time in ms over `runs`
calls (in-process, after one warm-up call: Python start-up and imports are not timed).
"""
import json
import statistics
import sys
import time
import warnings

warnings.filterwarnings("ignore")
import pandapower as pp  # noqa: E402


def build(net_in, bus_w, bus_var):
    net = pp.create_empty_network(sn_mva=1.0)
    vn = net_in["voltageKv"]
    t = net_in["transformer"]
    hv = pp.create_bus(net, vn_kv=20.0, name="HV")
    pp.create_ext_grid(net, hv, vm_pu=t.get("voltagePu", 1.0), va_degree=0.0)
    idx = {b["id"]: pp.create_bus(net, vn_kv=vn, name=b["id"]) for b in net_in["buses"]}
    trafo = pp.create_transformer_from_parameters(
        net, hv, idx[t["bus"]], sn_mva=t["ratingKva"] / 1000, vn_hv_kv=20.0, vn_lv_kv=vn,
        vk_percent=t["vscPercent"], vkr_percent=t["vscrPercent"], pfe_kw=0.0, i0_percent=0.0, shift_degree=0.0)
    lines = {}
    for line in net_in["lines"]:
        lines[line["id"]] = pp.create_line_from_parameters(
            net, idx[line["from"]], idx[line["to"]], length_km=line["lengthM"] / 1000,
            r_ohm_per_km=line["rOhmPerKm"], x_ohm_per_km=line["xOhmPerKm"], c_nf_per_km=0.0,
            max_i_ka=line["ampacityA"] / 1000)
    for bus, w in bus_w.items():
        pp.create_load(net, idx[bus], p_mw=w / 1e6, q_mvar=bus_var.get(bus, 0.0) / 1e6)
    return net, idx, lines, trafo


def run(case):
    net, idx, lines, trafo = build(case["network"], case["busW"], case.get("busVar", {}))
    try:
        pp.runpp(net, numba=False)
    except pp.LoadflowNotConverged as e:
        return {"error": str(e)}
    times = []
    for _ in range(case.get("runs", 5)):
        t0 = time.perf_counter()
        pp.runpp(net, numba=False)
        times.append((time.perf_counter() - t0) * 1000)
    return {
        "vm": {b: float(net.res_bus.vm_pu.at[i]) for b, i in idx.items()},
        "lineLoadingPct": {l: float(net.res_line.loading_percent.at[i]) for l, i in lines.items()},
        "transformerLoadingPct": float(net.res_trafo.loading_percent.at[trafo]),
        "lossesW": float(net.res_line.pl_mw.sum() + net.res_trafo.pl_mw.sum()) * 1e6,
        "ms": statistics.median(times),
    }


def main():
    cases = json.load(sys.stdin)["cases"]
    json.dump({"version": pp.__version__, "results": [run(c) for c in cases]}, sys.stdout)


if __name__ == "__main__":
    main()
