"""The helpdesk export's columns: the layout of the public customer-support-ticket export,
plus an optional ``Created At``. The one definition: the source checks files against it and
the demo writes its feed files with it."""

REQUIRED_COLUMNS: tuple[str, ...] = (
    "Ticket ID",
    "Customer Name",
    "Customer Email",
    "Customer Age",
    "Customer Gender",
    "Product Purchased",
    "Date of Purchase",
    "Ticket Type",
    "Ticket Subject",
    "Ticket Description",
    "Ticket Status",
    "Resolution",
    "Ticket Priority",
    "Ticket Channel",
    "First Response Time",
    "Time to Resolution",
    "Customer Satisfaction Rating",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("Created At",)
