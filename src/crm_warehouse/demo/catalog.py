"""Fixed reference data of the demo: products, names, places and helpdesk vocabularies.

Everything here is static so that the generated data depends only on the seed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    name: str
    brand: str
    category: str
    list_pence: int
    # Relative chance of being an order's main item, and of being an add-on to another item.
    main_weight: float
    addon_weight: float


def _p(name: str, brand: str, category: str, price: str, main: float, addon: float) -> Product:
    pounds, _, pence = price.partition(".")
    return Product(name, brand, category, int(pounds) * 100 + int(pence or 0), main, addon)


# 42 consumer-electronics products with UK list prices (GBP). The main weights make a handful of
# flagship products dominate revenue; cheap accessories and audio are the usual add-ons.
PRODUCTS: tuple[Product, ...] = (
    _p("Apple iPhone 12 128GB", "Apple", "Smartphones", "849.00", 10.0, 0.0),
    _p("Apple iPhone 11 64GB", "Apple", "Smartphones", "599.00", 5.0, 0.0),
    _p("Samsung Galaxy S21 128GB", "Samsung", "Smartphones", "769.00", 7.0, 0.0),
    _p("Samsung Galaxy A52 128GB", "Samsung", "Smartphones", "399.00", 4.0, 0.0),
    _p("Google Pixel 5 128GB", "Google", "Smartphones", "599.00", 2.5, 0.0),
    _p("OnePlus 9 128GB", "OnePlus", "Smartphones", "629.00", 2.0, 0.0),
    _p("Xiaomi Redmi Note 10", "Xiaomi", "Smartphones", "199.00", 2.0, 0.0),
    _p("Apple MacBook Air 13 M1", "Apple", "Laptops", "999.00", 6.0, 0.0),
    _p("Apple MacBook Pro 13 M1", "Apple", "Laptops", "1299.00", 3.5, 0.0),
    _p("Dell XPS 13", "Dell", "Laptops", "1149.00", 2.5, 0.0),
    _p("HP Spectre x360 14", "HP", "Laptops", "1299.99", 1.2, 0.0),
    _p("Lenovo ThinkPad X1 Carbon", "Lenovo", "Laptops", "1599.00", 1.0, 0.0),
    _p("Microsoft Surface Laptop 4", "Microsoft", "Laptops", "999.99", 1.5, 0.0),
    _p("ASUS ZenBook 14", "ASUS", "Laptops", "799.99", 2.0, 0.0),
    _p("Samsung 55in QLED Q80T", "Samsung", "TVs", "1099.00", 2.5, 0.0),
    _p("LG 55in OLED CX", "LG", "TVs", "1399.00", 3.0, 0.0),
    _p("Sony Bravia 65in X90J", "Sony", "TVs", "1499.00", 1.2, 0.0),
    _p("Hisense 50in 4K A7", "Hisense", "TVs", "379.00", 1.5, 0.0),
    _p("TCL 43in 4K P615", "TCL", "TVs", "279.00", 1.0, 0.0),
    _p("Apple AirPods Pro", "Apple", "Audio", "249.00", 5.0, 3.0),
    _p("Sony WH-1000XM4", "Sony", "Audio", "349.00", 3.5, 1.0),
    _p("Bose QuietComfort 35 II", "Bose", "Audio", "299.95", 2.0, 0.6),
    _p("JBL Flip 5", "JBL", "Audio", "119.99", 1.5, 2.0),
    _p("Sonos One", "Sonos", "Audio", "199.00", 2.0, 1.2),
    _p("Samsung Galaxy Buds Pro", "Samsung", "Audio", "219.00", 2.0, 1.5),
    _p("Sennheiser Momentum True Wireless 2", "Sennheiser", "Audio", "279.00", 1.0, 0.5),
    _p("Sony PlayStation 5", "Sony", "Gaming consoles", "449.99", 6.0, 0.0),
    _p("Microsoft Xbox Series X", "Microsoft", "Gaming consoles", "449.99", 4.0, 0.0),
    _p("Nintendo Switch", "Nintendo", "Gaming consoles", "279.99", 4.5, 0.0),
    _p("Nintendo Switch Lite", "Nintendo", "Gaming consoles", "199.99", 1.2, 0.0),
    _p("Canon EOS R6 Body", "Canon", "Cameras", "2499.00", 0.6, 0.0),
    _p("Sony Alpha a7 III Body", "Sony", "Cameras", "1799.00", 0.8, 0.0),
    _p("Fujifilm X-T4 Body", "Fujifilm", "Cameras", "1549.00", 0.5, 0.0),
    _p("GoPro HERO9 Black", "GoPro", "Cameras", "429.99", 1.8, 0.0),
    _p("Apple Watch Series 6 44mm", "Apple", "Wearables", "409.00", 3.0, 0.5),
    _p("Samsung Galaxy Watch3 45mm", "Samsung", "Wearables", "399.00", 1.5, 0.2),
    _p("Fitbit Charge 4", "Fitbit", "Wearables", "129.99", 1.2, 0.8),
    _p("Garmin Forerunner 245", "Garmin", "Wearables", "299.99", 1.2, 0.2),
    _p("Anker PowerCore 20000", "Anker", "Accessories", "49.99", 1.0, 6.0),
    _p("Belkin 3-in-1 Wireless Charger", "Belkin", "Accessories", "119.99", 0.7, 3.0),
    _p("Logitech MX Master 3", "Logitech", "Accessories", "99.99", 1.0, 3.0),
    _p("SanDisk Extreme 128GB microSD", "SanDisk", "Accessories", "29.99", 0.8, 6.0),
)

# Names a few tickets give for "Product Purchased" that are not (or no longer) in the catalogue.
LEGACY_PRODUCTS: tuple[str, ...] = (
    "Apple iPhone XR 64GB",
    "Samsung Galaxy S10 128GB",
    "Sony PlayStation 4 Pro",
    "Fitbit Versa 2",
    "Amazon Kindle Paperwhite",
    "Dell XPS 13 (2018)",
)

MALE_FIRST_NAMES: tuple[str, ...] = (
    "Oliver", "George", "Harry", "Jack", "Jacob", "Noah", "Charlie", "Thomas", "Oscar", "William",
    "James", "Leo", "Alfie", "Henry", "Joshua", "Freddie", "Archie", "Ethan", "Isaac", "Alexander",
    "Joseph", "Edward", "Samuel", "Max", "Daniel", "Arthur", "Lucas", "Mohammed", "Logan",
    "Theo", "Harrison", "Benjamin", "Mason", "Sebastian", "Finley", "Adam", "Dylan", "Zachary",
    "Riley", "David", "Michael", "Andrew", "Paul", "Mark", "Richard", "Stephen", "Christopher",
    "Matthew", "Peter", "John", "Robert", "Ian", "Simon", "Gareth", "Rhys", "Callum", "Ryan",
    "Liam", "Connor", "Aaron", "Kieran", "Nathan", "Owen", "Rajesh", "Arjun", "Tomasz",
)
FEMALE_FIRST_NAMES: tuple[str, ...] = (
    "Olivia", "Amelia", "Isla", "Ava", "Emily", "Isabella", "Mia", "Poppy", "Ella", "Lily",
    "Sophia", "Grace", "Evie", "Jessica", "Freya", "Sophie", "Charlotte", "Alice", "Florence",
    "Ruby", "Daisy", "Chloe", "Lucy", "Hannah", "Eleanor", "Holly", "Megan", "Lauren", "Katie",
    "Rebecca", "Rachel", "Sarah", "Laura", "Emma", "Claire", "Helen", "Nicola", "Joanne",
    "Louise", "Victoria", "Amy", "Zoe", "Gemma", "Natalie", "Fiona", "Catherine", "Elizabeth",
    "Margaret", "Susan", "Karen", "Julie", "Anna", "Priya", "Aisha", "Fatima", "Niamh", "Siobhan",
    "Caitlin", "Bethan", "Eilidh", "Agnieszka", "Maya", "Harriet", "Imogen", "Phoebe", "Jasmine",
)
NEUTRAL_FIRST_NAMES: tuple[str, ...] = (
    "Alex", "Sam", "Jordan", "Charlie", "Robin", "Jamie", "Taylor", "Morgan", "Casey", "Riley",
    "Frankie", "Jesse", "Rowan", "Ashley", "Kit", "Sasha", "Remy", "Quinn", "Ellis", "Avery",
)
LAST_NAMES: tuple[str, ...] = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
    "Thomas", "Clarke", "Jackson", "Wood", "Harris", "Edwards", "Turner", "Martin", "Cooper",
    "Hill", "Ward", "Hughes", "Moore", "Clark", "King", "Harrison", "Lewis", "Baker", "Lee",
    "Allen", "Morris", "Khan", "Scott", "Watson", "Davis", "Parker", "James", "Bennett", "Young",
    "Phillips", "Richardson", "Mitchell", "Bailey", "Carter", "Cook", "Singh", "Shaw", "Bell",
    "Collins", "Morgan", "Kelly", "Begum", "Miller", "Cox", "Hussain", "Marshall", "Simpson",
    "Price", "Anderson", "Adams", "Wilkinson", "Ali", "Ahmed", "Foster", "Ellis", "Murphy",
    "Chapman", "Mason", "Gray", "Richards", "Webb", "Griffiths", "Hunt", "Palmer", "Campbell",
    "Holmes", "Mills", "Rogers", "Barnes", "Knight", "Matthews", "Barker", "Powell", "Stevens",
    "Kaur", "Fisher", "Butler", "Dixon", "Russell", "Harvey", "Pearson", "Graham", "Fletcher",
    "Reid", "Murray", "Stewart", "MacDonald", "Fraser", "Lloyd", "Jenkins", "Owen", "Rees",
    "Gallagher", "O'Brien", "O'Neill", "McCarthy", "Doherty", "Nowak", "Kowalski", "Chen",
    "Wong", "Nguyen", "Okafor", "Mensah", "Adeyemi", "Da Silva", "Rossi", "Fernandes", "Gill",
)
# RFC 2606 domains: the demo never produces a deliverable address.
EMAIL_DOMAINS: tuple[str, ...] = ("example.com", "example.net", "example.org")

# UK cities with rough relative sizes of their customer base.
LOCATIONS: tuple[tuple[str, float], ...] = (
    ("London", 20.0), ("Birmingham", 6.0), ("Manchester", 6.0), ("Leeds", 4.5),
    ("Glasgow", 4.5), ("Liverpool", 4.0), ("Bristol", 4.0), ("Sheffield", 3.5),
    ("Edinburgh", 3.5), ("Cardiff", 3.0), ("Leicester", 2.5), ("Nottingham", 2.5),
    ("Newcastle upon Tyne", 2.5), ("Belfast", 2.5), ("Brighton", 2.0), ("Southampton", 2.0),
    ("Coventry", 2.0), ("Reading", 2.0), ("Aberdeen", 1.5), ("York", 1.5), ("Oxford", 1.5),
    ("Cambridge", 1.5), ("Norwich", 1.5), ("Exeter", 1.0), ("Plymouth", 1.5), ("Swansea", 1.0),
    ("Milton Keynes", 1.5), ("Derby", 1.5), ("Stoke-on-Trent", 1.0), ("Dundee", 1.0),
)

GENDERS: tuple[str, ...] = ("Male", "Female", "Other")
BRACKETS: tuple[str, ...] = ("Low", "Medium", "High")

TICKET_COLUMNS: tuple[str, ...] = (
    "Ticket ID", "Customer Name", "Customer Email", "Customer Age", "Customer Gender",
    "Product Purchased", "Date of Purchase", "Ticket Type", "Ticket Subject",
    "Ticket Description", "Ticket Status", "Resolution", "Ticket Priority", "Ticket Channel",
    "First Response Time", "Time to Resolution", "Customer Satisfaction Rating", "Created At",
)
TICKET_TYPES: tuple[str, ...] = (
    "Technical issue", "Billing inquiry", "Refund request", "Cancellation request",
    "Product inquiry",
)
TICKET_STATUSES: tuple[str, ...] = ("Open", "Pending Customer Response", "Closed")
TICKET_PRIORITIES: tuple[tuple[str, float], ...] = (
    ("Low", 0.26), ("Medium", 0.30), ("High", 0.27), ("Critical", 0.17),
)

# The 16 subjects of the public dataset, with the ticket type each usually gets.
SUBJECT_TYPES: tuple[tuple[str, str], ...] = (
    ("Product setup", "Technical issue"),
    ("Peripheral compatibility", "Technical issue"),
    ("Network problem", "Technical issue"),
    ("Account access", "Technical issue"),
    ("Data loss", "Technical issue"),
    ("Payment issue", "Billing inquiry"),
    ("Refund request", "Refund request"),
    ("Product compatibility", "Product inquiry"),
    ("Installation support", "Technical issue"),
    ("Software bug", "Technical issue"),
    ("Hardware issue", "Technical issue"),
    ("Battery life", "Technical issue"),
    ("Product recommendation", "Product inquiry"),
    ("Display issue", "Technical issue"),
    ("Cancellation request", "Cancellation request"),
    ("Delivery problem", "Billing inquiry"),
)
SUBJECTS: tuple[str, ...] = tuple(subject for subject, _ in SUBJECT_TYPES)

# Ticket descriptions: several lines, with commas and double quotes, as customers write them.
DESCRIPTION_OPENERS: tuple[str, ...] = (
    "Hi,",
    "Hello,",
    "Hi there,",
    "Good morning,",
    "Dear support team,",
)
DESCRIPTION_BODIES: dict[str, tuple[str, ...]] = {
    "Product setup": (
        "I'm trying to set up my {product} but it gets stuck on the \"Welcome\" screen.",
        "The setup guide for the {product} says to hold the button for 5 seconds, which "
        "does nothing.",
    ),
    "Peripheral compatibility": (
        "My {product} doesn't recognise my keyboard, mouse or headset, even after pairing.",
        "The {product} says \"accessory not supported\" when I plug in my USB-C hub.",
    ),
    "Network problem": (
        "My {product} keeps dropping the Wi-Fi connection, even right next to the router.",
        "Since the last update the {product} can't connect to 5GHz networks, only 2.4GHz.",
    ),
    "Account access": (
        "I can't sign in to the account linked to my {product}; it says \"password incorrect\".",
        "The verification code for my {product} account never arrives, by SMS or email.",
    ),
    "Data loss": (
        "After restarting my {product}, my photos, notes and contacts have disappeared.",
        "A backup restore on the {product} failed half way and now files are missing.",
    ),
    "Payment issue": (
        "I was charged twice for my {product}, on the same card, on the same day.",
        "My payment for the {product} was declined, yet the money has left my account.",
    ),
    "Refund request": (
        "I returned the {product} two weeks ago and still haven't received my refund.",
        "The {product} arrived damaged, so I'd like a full refund, please.",
    ),
    "Product compatibility": (
        "Will the {product} work with my existing accessories and my older laptop?",
        "Is the {product} compatible with \"Works with Alexa\" and Google Home?",
    ),
    "Installation support": (
        "I need help installing the companion app for my {product} on Windows 10.",
        "The driver installer for the {product} stops at 80%, with error code 0x80070005.",
    ),
    "Software bug": (
        "The app for my {product} crashes every time I open the \"Settings\" tab.",
        "After the firmware update my {product} shows the wrong time, date and battery level.",
    ),
    "Hardware issue": (
        "The power button on my {product} is stuck, and the device won't turn on.",
        "My {product} makes a clicking noise and gets very hot, even when idle.",
    ),
    "Battery life": (
        "The battery on my {product} drains from 100% to 20% in about three hours.",
        "My {product} won't hold a charge overnight, even when switched off.",
    ),
    "Product recommendation": (
        "I'm choosing between the {product} and a cheaper model; which would you recommend?",
        "Could you recommend a case, a charger and a screen protector for the {product}?",
    ),
    "Display issue": (
        "There's a line of dead pixels on the {product} screen, on the left-hand side.",
        "The screen of my {product} flickers at low brightness, especially in \"Night mode\".",
    ),
    "Cancellation request": (
        "Please cancel my order for the {product}; I ordered the wrong colour.",
        "I'd like to cancel the {product} order, as the delivery date is too late for me.",
    ),
    "Delivery problem": (
        "My {product} was marked as \"delivered\" but it never arrived.",
        "The courier left my {product} with a neighbour I don't know, at a different address.",
    ),
}
DESCRIPTION_DETAILS: tuple[str, ...] = (
    "I bought it on {purchased}, order placed online.",
    "I've already tried restarting it, resetting it and updating it.",
    "This is the second time I've contacted you about this, so please help.",
    "I've attached a photo, and the serial number is on the box.",
    "It worked fine for the first few weeks, then this started.",
    "My daughter says it's \"probably the settings\", but I'm not sure.",
)
DESCRIPTION_CLOSERS: tuple[str, ...] = (
    "Thanks,\n{first}",
    "Kind regards,\n{name}",
    "Many thanks.",
    "Cheers, {first}",
    "Please call me back if that's easier.",
)
RESOLUTIONS: dict[str, tuple[str, ...]] = {
    "default": (
        "Walked the customer through a reset; confirmed working.",
        "Issued a replacement unit, prepaid return label sent.",
        "Escalated to the manufacturer, who confirmed a fix in the next update.",
        "Explained the settings change; customer happy to close.",
        "Booked a repair; device returned and tested, \"no fault found\" afterwards.",
    ),
    "Payment issue": (
        "Duplicate payment refunded to the original card.",
        "Payment confirmed by the bank; order released for dispatch.",
    ),
    "Refund request": (
        "Refund processed to the original payment method, 3-5 working days.",
        "Partial refund agreed for the damaged packaging.",
    ),
    "Cancellation request": (
        "Order cancelled before dispatch; refund issued.",
        "Too late to cancel, so a free return was arranged instead.",
    ),
    "Delivery problem": (
        "Courier investigation opened; replacement sent by next-day delivery.",
        "Parcel located at the depot and redelivered.",
    ),
    "Product recommendation": (
        "Recommended a model and accessories; customer placed an order.",
        "Sent a comparison of the two models, with current prices.",
    ),
    "Product compatibility": (
        "Confirmed compatibility and sent the list of supported accessories.",
        "Not compatible; suggested an adapter, which the customer ordered.",
    ),
}
