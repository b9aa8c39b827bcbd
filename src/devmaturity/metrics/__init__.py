"""The metric registry and one pure module per evidence family; "now" and the window come in as arguments."""
