"""The plugin directory of the native provider: with ``runtime: python`` in PulumiPlugin.yaml the
engine runs this file with the directory's Python (``pulumi package add ./provider``,
``pulumi plugin install resource mailboxorg 0.1.0 --file ./provider``). It serves exactly what the
installed console script ``pulumi-resource-mailboxorg`` serves (``pulumi_mailboxorg.plugin``)."""

import sys

from pulumi_mailboxorg.plugin import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
