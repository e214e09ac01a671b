/** The shop's product taxonomy: super categories, their categories, brands and price levels. */
export interface SuperCategory {
  name: string;
  weight: number;
  medianPrice: number;
  perishable: number;
  categories: readonly string[];
  brands: readonly string[];
  nouns: readonly string[];
}

export const taxonomy: readonly SuperCategory[] = [
  {
    name: 'Grocery',
    weight: 24,
    medianPrice: 6,
    perishable: 0.8,
    categories: ['Fruits', 'Vegetables', 'Dairy', 'Bakery', 'Beverages', 'Snacks', 'Staples'],
    brands: ['FreshFarm', 'DailyHarvest', 'GreenValley', 'Morningside', 'PurePantry'],
    nouns: [
      'Apples',
      'Spinach',
      'Milk',
      'Sourdough',
      'Cold Brew',
      'Crisps',
      'Basmati Rice',
      'Yogurt',
      'Oats',
    ],
  },
  {
    name: 'Electronics',
    weight: 14,
    medianPrice: 180,
    perishable: 0,
    categories: ['Mobiles', 'Laptops', 'Audio', 'Cameras', 'Accessories', 'Wearables'],
    brands: ['Voltix', 'Nexa', 'Sonora', 'Pixelcraft', 'Zentro'],
    nouns: [
      'Smartphone',
      'Ultrabook',
      'Earbuds',
      'Mirrorless Camera',
      'USB-C Charger',
      'Smartwatch',
      'Speaker',
    ],
  },
  {
    name: 'Fashion',
    weight: 18,
    medianPrice: 35,
    perishable: 0,
    categories: ['Men', 'Women', 'Kids', 'Footwear', 'Bags'],
    brands: ['Urbanloom', 'Threadline', 'Northwind', 'Solace', 'Kestrel'],
    nouns: ['T-Shirt', 'Denim Jacket', 'Sneakers', 'Backpack', 'Sundress', 'Chinos', 'Hoodie'],
  },
  {
    name: 'Home & Kitchen',
    weight: 14,
    medianPrice: 45,
    perishable: 0,
    categories: ['Cookware', 'Furniture', 'Decor', 'Appliances', 'Storage'],
    brands: ['Hearthstone', 'Casa Nova', 'Kitchenly', 'Oakridge', 'Nestwell'],
    nouns: ['Frying Pan', 'Bookshelf', 'Table Lamp', 'Blender', 'Storage Box', 'Knife Set'],
  },
  {
    name: 'Beauty',
    weight: 10,
    medianPrice: 18,
    perishable: 0.3,
    categories: ['Skincare', 'Haircare', 'Makeup', 'Fragrance'],
    brands: ['Lumiere', 'Velvet Bloom', 'Aurora', 'Botanica'],
    nouns: ['Face Serum', 'Shampoo', 'Lipstick', 'Eau de Parfum', 'Moisturiser'],
  },
  {
    name: 'Sports',
    weight: 8,
    medianPrice: 40,
    perishable: 0,
    categories: ['Fitness', 'Outdoor', 'Cycling', 'Team Sports'],
    brands: ['Peakform', 'Trailblaze', 'Stridex', 'Apex'],
    nouns: ['Yoga Mat', 'Tent', 'Bike Helmet', 'Football', 'Dumbbells'],
  },
  {
    name: 'Books',
    weight: 7,
    medianPrice: 14,
    perishable: 0,
    categories: ['Fiction', 'Non-Fiction', 'Children', 'Education'],
    brands: ['Penwright', 'Inkwell Press', 'Lantern Books'],
    nouns: ['Novel', 'Biography', 'Picture Book', 'Workbook', 'Cookbook'],
  },
  {
    name: 'Toys',
    weight: 5,
    medianPrice: 22,
    perishable: 0,
    categories: ['Puzzles', 'Building Sets', 'Dolls', 'Board Games'],
    brands: ['Playnest', 'Brickworks', 'Jollytime'],
    nouns: ['Jigsaw', 'Construction Kit', 'Doll House', 'Strategy Game'],
  },
];

export const adjectives = [
  'Classic',
  'Premium',
  'Organic',
  'Compact',
  'Pro',
  'Essential',
  'Deluxe',
  'Eco',
  'Smart',
  'Lite',
];

export const cities = [
  'Mumbai',
  'Delhi',
  'Bengaluru',
  'Hyderabad',
  'Chennai',
  'Pune',
  'Kolkata',
  'Ahmedabad',
  'Jaipur',
  'Lucknow',
  'London',
  'Berlin',
  'Madrid',
  'Toronto',
  'Singapore',
  'Sydney',
];

export const firstNames = [
  'aarav',
  'priya',
  'liam',
  'emma',
  'noah',
  'olivia',
  'arjun',
  'mia',
  'kabir',
  'sofia',
  'leo',
  'zara',
];
export const lastNames = [
  'sharma',
  'patel',
  'smith',
  'garcia',
  'muller',
  'khan',
  'rossi',
  'kim',
  'nguyen',
  'silva',
];
