"""A tiny engine builder for the engine's own tests (noisy LIF neurons, two runtime values)."""

from sim.engine import BuildSpec


def build(structure):
    from brian2 import NeuronGroup, SpikeMonitor, StateMonitor, ms

    group = NeuronGroup(
        structure["n"],
        """dv/dt = (drive_mV * mV - v + sigma_mV * mV * sqrt(10 * ms) * xi) / (10 * ms) : volt
        drive_mV : 1 (shared, constant)
        sigma_mV : 1 (shared, constant)""",
        threshold="v > 10 * mV", reset="v = 0 * mV", method="euler", name="toy",
    )
    group.v = "rand() * 10 * mV"
    spikes = SpikeMonitor(group, name="toy_spikes")
    state = StateMonitor(group, "v", record=[0, 1], dt=1 * ms, name="toy_state")
    return BuildSpec(
        objects=[group, spikes, state], duration_s=structure["duration_s"],
        params={"drive_mV": group.drive_mV, "sigma_mV": group.sigma_mV},
        outputs={"t": (spikes, "t"), "i": (spikes, "i"), "v": (state, "v"), "v_t": (state, "t")},
        info={"n": structure["n"]},
    )
