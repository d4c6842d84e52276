from .synth import plot_synth_gaps, plot_synth_trajectory, plot_synth_weights  # noqa: F401
