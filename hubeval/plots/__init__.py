from .synth import plot_synth_gaps, plot_synth_trajectory, plot_synth_weights  # noqa: F401
from .event import plot_comparison, plot_event_study, plot_group_time  # noqa: F401
from .cba import plot_cba_summary, plot_tornado  # noqa: F401
from .balance import plot_balance  # noqa: F401
from .memo import (  # noqa: F401
    plot_balance_memo, plot_cba_panel, plot_estimators, plot_event_grid, plot_headline,
    plot_headline_levels, plot_regional, plot_regional_grid,
)
from .sensitivity import plot_sensitivity  # noqa: F401
