"""`manage.py verify_contract FILE.pdf`: the verify page's check on the command line.
Exit code 0 when the file is an intact contract of ours, 1 when it is altered, unknown or unreadable."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from contracts.verification import INTACT, contract_pdf_verify


class Command(BaseCommand):
    help = "Check whether a PDF is an intact contract of ours (exit 0) or not (exit 1)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the PDF to check")

    def handle(self, *args, file: Path, **options):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        result = contract_pdf_verify(data)
        self.stdout.write(f"file      {file}")
        self.stdout.write(f"sha256    {result.sha256}")
        if result.status == INTACT:
            contract = result.contract
            version = contract.template_version
            self.stdout.write(self.style.SUCCESS(f"INTACT    contract {contract.number} ({result.document.kind} copy)"))
            self.stdout.write(f"merchant  {contract.merchant_legal_name}")
            self.stdout.write(f"template  {version.mode} v{version.number} ({version.effective_from})")
            if result.signature:
                self.stdout.write(f"seal      {result.signature.signer}; signed {result.signature.signed_at}; "
                                  f"certified {result.signature.docmdp_level}")
            for event in result.events:
                self.stdout.write(f"event     {event.at:%Y-%m-%d %H:%M:%S} {event.action}")
            return
        if result.status == "altered":
            self.stdout.write(self.style.ERROR(
                f"ALTERED   names contract {result.claimed_number or '?'} but is not the copy we stored"))
        else:
            self.stdout.write(self.style.ERROR(f"UNKNOWN   not an intact contract of ours ({result.reason})"))
        raise SystemExit(1)
