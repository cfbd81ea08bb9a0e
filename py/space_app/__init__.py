"""The Space UI (browser only): views and wiring around hfsignin."""
