"""The examples under examples/, run as Pulumi programs against the emulator."""
