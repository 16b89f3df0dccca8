"""Attachments: PDFs and images only, judged by what the bytes are, not what the name says.

`filetype` reads the magic numbers; an image must then also open and verify with Pillow,
so a file that only starts like a PNG is still refused. Files are stored under the var
directory, outside anything served as static or media, and read only through the policy.
"""

import hashlib
from functools import cache
from pathlib import Path

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
}
MAX_FILES_PER_MESSAGE = 5


@cache
def storage() -> FileSystemStorage:
    return FileSystemStorage(location=Path(settings.VAR_DIR) / "attachments")


def max_bytes() -> int:
    return settings.STEGVIS_ATTACHMENT_MAX_BYTES


def checked(upload) -> dict:
    """What an upload is, or ValidationError saying why it is refused."""
    if upload.size > max_bytes():
        raise ValidationError(
            _("{name} is too large: at most {mb} MB.").format(
                name=upload.name, mb=max_bytes() // (1024 * 1024)
            )
        )
    upload.seek(0)
    data = upload.read()
    kind = filetype.guess(data)
    content_type = kind.mime if kind else ""
    if content_type not in ALLOWED_TYPES:
        raise ValidationError(
            _("{name} is not a PDF or an image (PNG, JPEG, WebP).").format(name=upload.name)
        )
    if content_type.startswith("image/"):
        try:
            upload.seek(0)
            with Image.open(upload) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError) as error:
            raise ValidationError(
                _("{name} could not be read as an image.").format(name=upload.name)
            ) from error
    stem = get_valid_filename(Path(upload.name).stem)[:150] or "attachment"
    upload.seek(0)
    return {
        "name": f"{stem}.{ALLOWED_TYPES[content_type]}",
        "content_type": content_type,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def checked_all(files) -> list[dict]:
    """What each upload is, in order; one ValidationError naming every refused file."""
    files = list(files or ())
    if len(files) > MAX_FILES_PER_MESSAGE:
        raise ValidationError(_("At most {n} files per message.").format(n=MAX_FILES_PER_MESSAGE))
    facts, errors = [], []
    for upload in files:
        try:
            facts.append(checked(upload))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return facts
