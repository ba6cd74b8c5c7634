//! The pipeline runner: extraction into a destination, with state and a report.
