// Nothing at all: the runtime starting and exiting, the floor under every whole-process figure.
